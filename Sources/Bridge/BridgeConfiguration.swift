import AssistdSupport
import JSONCore
import JSONRPC

public struct BridgeConfiguration: Sendable {
    public var serverName = "assistd"
    public var serverVersion = AssistdVersion.current
    public var protocolVersion = AssistdVersion.protocolVersion
    /// `initialize`'s `backend` member, e.g. `{"name": "local", ...}`; filled by the backend wiring.
    public var backend: JSONValue = ["name": "none"]
    /// Advertised in `initialize`'s capabilities.
    public var streaming = true
    public var clientTools = true
    /// Returned by `rpc.discover`; parsed when first asked for, not at start-up (it was 3% of the CPU from spawn to `initialize`).
    public var openRPCDocument: @Sendable () -> JSONValue = { OpenRPCDocument.value }
    public var logger: Logger = .disabled
    /// Turns a handler's domain error into a JSON-RPC error (nil: not mine → -32603).
    public var errorMapper: (@Sendable (any Error) -> JSONRPCError?)?
    /// Called by `initialize` with its `initializationOptions` (empty when absent) before it
    /// answers; returns `initialize`'s `backend` member (overriding `backend`). A thrown error
    /// fails `initialize` (mapped by `errorMapper`), and the client may try again.
    public var prepareBackend: (@Sendable (JSONObject) throws -> JSONValue)?

    public init() {}
}
