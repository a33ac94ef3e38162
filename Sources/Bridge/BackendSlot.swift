import AssistantAPI
import AssistdSupport
import JSONRPC

/// The backend this connection talks to. `initialize` may replace it once (its
/// `initializationOptions` can point the hosted backend at another key, region or workspace);
/// every method reads it when called.
public final class BackendSlot: Sendable {
    private let slot: Locked<any AssistantBackend>

    public init(_ backend: any AssistantBackend) { slot = Locked(backend) }

    public var current: any AssistantBackend { slot.withLock { $0 } }

    public func replace(with backend: any AssistantBackend) { slot.withLock { $0 = backend } }
}
