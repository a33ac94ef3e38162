import AssistdSupport
import JSONCore
import JSONRPC

/// The bridge's dispatcher: the LSP-style lifecycle, `rpc.discover`, and the method table.
///
/// Lifecycle decisions are made on the connection's read thread in arrival order, so a request
/// sent right after `initialize` (or `shutdown`) sees the new state.
public final class BridgeServer: MessageDispatcher {
    public enum Lifecycle: Sendable, Equatable {
        case awaitingInitialize
        case running
        case shutDown
    }

    /// Requests the bridge answers itself.
    public static let builtInRequests = ["initialize", "shutdown", "rpc.discover"]
    /// Notifications it understands (`$/cancelRequest` is handled by the connection).
    public static let builtInNotifications = ["initialized", "exit", Connection.cancelRequestMethod]
    public static var builtInMethods: [String] { builtInRequests + builtInNotifications }

    private let configuration: BridgeConfiguration
    private let methods: MethodTable
    private let onExit: @Sendable (Int32) -> Void
    private let state = Locked(State())

    private struct State {
        var lifecycle = Lifecycle.awaitingInitialize
        var clientCapabilities: JSONValue = [:]
    }

    /// - Parameter onExit: called (on the read thread) for the `exit` notification with the exit
    ///   code: 0 after `shutdown`, else 1.
    public init(
        configuration: BridgeConfiguration, methods: MethodTable,
        onExit: @escaping @Sendable (Int32) -> Void
    ) {
        self.configuration = configuration
        self.methods = methods
        self.onExit = onExit
    }

    public var lifecycle: Lifecycle { state.withLock { $0.lifecycle } }

    /// The process's exit code if it ended now: 0 once `shutdown` was received, else 1.
    public var exitCode: Int32 { lifecycle == .shutDown ? 0 : 1 }

    /// Every client→server method the server knows: the registered ones and the bridge's own,
    /// sorted. `initialize` advertises these as `capabilities.methods` (the bridge's notifications
    /// included, as clients of protocol 1.0 have seen them).
    public var methodNames: [String] {
        (methods.names + Self.builtInMethods).sorted()
    }

    // MARK: - MessageDispatcher

    public func route(_ request: IncomingRequest) -> RequestRoute {
        let method = request.method
        let lifecycle = self.lifecycle
        if lifecycle == .shutDown {
            return .reply(.failure(.invalidRequest("the server is shut down; only the 'exit' notification is accepted")))
        }
        switch method {
        case "rpc.discover":
            return .reply(takesNoParams(request).map { _ in configuration.openRPCDocument() })
        case "initialize":
            guard lifecycle == .awaitingInitialize else {
                return .reply(.failure(.invalidRequest("'initialize' may be sent only once")))
            }
            return .reply(initialize(request.params))
        default:
            break
        }
        guard lifecycle == .running else { return .reply(.failure(.serverNotInitialized(method))) }
        if method == "shutdown" {
            return .reply(takesNoParams(request).map { _ in
                state.withLock { $0.lifecycle = .shutDown }
                configuration.logger.info("shutdown received")
                return .null
            })
        }
        guard let handler = methods.prepare(method: method, params: request.params) else {
            return .reply(.failure(.methodNotFound(method)))
        }
        let capabilities = state.withLock { $0.clientCapabilities }
        let body: @Sendable (RequestChannel) async throws -> SerializedJSON = { [configuration] channel in
            let context = RequestContext(channel: channel, clientCapabilities: capabilities, logger: configuration.logger)
            do {
                return try await handler(context)
            } catch let error as JSONRPCError {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch {
                if let mapped = configuration.errorMapper?(error) { throw mapped }
                throw error
            }
        }
        return methods.startsAtOnce(method) ? .runSerializedAtOnce(body) : .runSerialized(body)
    }

    public func receive(notification method: String, params: JSONValue?) {
        switch method {
        case "exit":
            let code = exitCode
            configuration.logger.info("exit received; exiting with \(code)")
            onExit(code)
        case "initialized":
            if lifecycle == .awaitingInitialize {
                configuration.logger.warning("ignored 'initialized' before 'initialize'")
            }
        default:
            // Unknown notifications get no answer by definition; `$/` ones are optional by LSP's rule.
            configuration.logger.debug("ignored notification '\(method)'")
        }
    }

    // MARK: - Lifecycle methods

    private func takesNoParams(_ request: IncomingRequest) -> Result<JSONValue, JSONRPCError> {
        switch request.params {
        case nil: return .success(.null)
        case .object(let object)? where object.isEmpty: return .success(.null)
        case .array(let array)? where array.isEmpty: return .success(.null)
        default: return .failure(.invalidParams("'\(request.method)' takes no params", path: ""))
        }
    }

    private func initialize(_ rawParams: JSONValue?) -> Result<JSONValue, JSONRPCError> {
        let params: InitializeParams
        do {
            params = try InitializeParams(rawParams)
        } catch {
            return .failure(AssistantErrorMapping.jsonRPCError(for: error))
        }
        let capabilities = JSONValue.object(params.capabilities)
        var backend = configuration.backend
        if let prepareBackend = configuration.prepareBackend {
            do {
                backend = try prepareBackend(params.initializationOptions)
            } catch let error as JSONRPCError {
                return .failure(error)
            } catch {
                return .failure(configuration.errorMapper?(error) ?? .invalidParams("\(error)", path: "initializationOptions"))
            }
        }
        state.withLock {
            $0.lifecycle = .running
            $0.clientCapabilities = capabilities
        }
        configuration.logger.info("initialized by \(params.clientName ?? "an unnamed client")")
        return .success([
            "protocolVersion": .string(configuration.protocolVersion),
            "serverInfo": ["name": .string(configuration.serverName), "version": .string(configuration.serverVersion)],
            "backend": backend,
            "capabilities": [
                "methods": .array(methodNames.map(JSONValue.string)),
                "streaming": .bool(configuration.streaming),
                "clientTools": .bool(configuration.clientTools),
            ],
        ])
    }
}
