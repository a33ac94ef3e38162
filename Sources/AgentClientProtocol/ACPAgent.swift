import AssistantAPI
import AssistdSupport
import Bridge
import Foundation
import JSONCore
import JSONRPC

/// `assistd acp`: the Agent Client Protocol (version 1) over the same backends as the
/// assistd protocol. A `MessageDispatcher` for a `Connection` with NDJSON framing; the mapping
/// is protocol/acp.md.
public final class ACPAgent: MessageDispatcher {
    public static let protocolVersion: Int64 = 1

    let backend: any AssistantBackend
    let settings: AgentSettings
    let connection: Connection
    let logger: Logger
    let sessions = SessionRegistry()
    let capabilities = Locked(ClientCapabilities())
    /// The `session/prompt` requests in progress, for `$/cancel_request`.
    let promptRequests = Locked<[RequestID: Session]>([:])

    public init(backend: any AssistantBackend, settings: AgentSettings, connection: Connection, logger: Logger) {
        self.backend = backend
        self.settings = settings
        self.connection = connection
        self.logger = logger
    }

    public func route(_ request: IncomingRequest) -> RequestRoute {
        switch request.method {
        case "initialize":
            capabilities.withLock { $0 = ClientCapabilities(json: request.params?["clientCapabilities"]) }
            return .reply(.success(initializeResult))
        case "authenticate":
            return .reply(.failure(ACPErrors.authRequired(settings.authMethods)))
        case "session/new":
            return .run { [self] channel in try await mappingErrors { try await newSession(request.params, channel) } }
        case "session/load":
            return .run { [self] channel in try await mappingErrors { try await loadSession(request.params, channel) } }
        case "session/prompt":
            return routePrompt(request)
        case "session/close":
            return routeClose(request.params)
        default:
            return .reply(.failure(.methodNotFound(request.method)))
        }
    }

    public func receive(notification method: String, params: JSONValue?) {
        let session: Session?
        switch method {
        case "session/cancel":
            session = params?["sessionId"]?.stringValue.flatMap(sessions.session)
        case Self.cancelRequestMethod:
            // ACP's per-request cancellation: for a prompt it means what session/cancel means;
            // the other requests are short and run to their end.
            session = params?["requestId"].flatMap(RequestID.init(json:)).flatMap { id in promptRequests.withLock { $0[id] } }
        default:
            logger.debug("acp: ignored notification \(method)")
            return
        }
        guard let session else {
            logger.warning("acp: \(method) for no session or prompt in progress")
            return
        }
        if let (threadID, runID) = session.requestCancel() {
            PromptTurn.cancel(backend, session, threadID: threadID, runID: runID)
        }
    }

    /// ACP's `$/cancel_request {requestId}`; assistd sends it too, when it stops waiting for the client.
    public static let cancelRequestMethod = "$/cancel_request"
    public static let cancellationNotice = PeerCancellationNotice(method: cancelRequestMethod) { id, _ in ["requestId": id.json] }

    /// Stops every session's MCP servers (the process is ending).
    public func stopSessions() async {
        for session in sessions.all { await session.externalTools.stop() }
    }

    var initializeResult: JSONValue {
        [
            "protocolVersion": .int(Self.protocolVersion),
            "agentCapabilities": [
                "loadSession": true,
                "promptCapabilities": ["image": false, "audio": false, "embeddedContext": true],
                "mcpCapabilities": ["http": false, "sse": false],
                "sessionCapabilities": ["close": [:]],
            ],
            "agentInfo": ["name": "assistd", "title": "assistd", "version": .string(settings.version)],
            "authMethods": .array(settings.authMethods),
        ]
    }

    // MARK: - session/prompt

    /// Claimed here, on the read thread in arrival order, so a second prompt on a busy session
    /// is refused deterministically.
    private func routePrompt(_ request: IncomingRequest) -> RequestRoute {
        let params = request.params
        let session: Session
        switch lookUpSession(params) {
        case .failure(let error): return .reply(.failure(error))
        case .success(let found): session = found
        }
        guard let blocks = params?["prompt"]?.arrayValue else {
            return .reply(.failure(.invalidParams("prompt must be an array of content blocks", path: "prompt")))
        }
        let text: String
        do {
            text = try PromptText.message(from: blocks)
        } catch {
            return .reply(.failure(.invalidParams(error.description, path: error.path)))
        }
        guard session.beginPrompt() else { return .reply(.failure(ACPErrors.promptRunning(session.id))) }
        promptRequests.withLock { $0[request.id] = session }
        return .run { [self] channel in
            defer {
                promptRequests.withLock { $0[request.id] = nil }
                session.endPrompt()
            }
            let turn = PromptTurn(
                backend: backend, session: session, channel: channel, capabilities: capabilities.current,
                toolCallTimeout: settings.toolCallTimeout)
            return try await mappingErrors {
                if let command = SlashCommand.invoked(by: text) {
                    return try await SlashCommandRunner(agent: self, turn: turn).run(command)
                }
                return try await turn.run(text: text)
            }
        }
    }

    /// `session/close`: cancels its prompt, stops its MCP servers, forgets it (its thread stays,
    /// for `session/load`).
    private func routeClose(_ params: JSONValue?) -> RequestRoute {
        let session: Session
        switch lookUpSession(params) {
        case .failure(let error): return .reply(.failure(error))
        case .success(let found): session = found
        }
        sessions.remove(session.id)
        return .run { [backend] _ in
            if let (threadID, runID) = session.requestCancel() { _ = try? await backend.cancelRun(threadID: threadID, runID: runID) }
            await session.externalTools.stop()
            return .object([:])
        }
    }

    func lookUpSession(_ params: JSONValue?) -> Result<Session, JSONRPCError> {
        guard let id = params?["sessionId"]?.stringValue else {
            return .failure(.invalidParams("sessionId is required", path: "sessionId"))
        }
        guard let session = sessions.session(id) else {
            return .failure(JSONRPCError(
                code: JSONRPCError.invalidParamsCode, message: "Invalid params: unknown session id '\(id)' (create it with session/new or session/load)",
                data: ["sessionId": .string(id)]))
        }
        return .success(session)
    }

    /// Backend errors as the assistd protocol maps them; JSON-RPC errors as they are.
    func mappingErrors(_ body: () async throws -> JSONValue) async throws -> JSONValue {
        do {
            return try await body()
        } catch let error as JSONRPCError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw AssistantErrorMapping.map(error) ?? JSONRPCError.internalError(String(describing: error))
        }
    }

    /// Sends `available_commands_update` once request `id`'s response is queued: a client knows
    /// the session only from that response.
    func announceCommands(session: String, after id: RequestID) {
        Task { [connection] in
            for _ in 0..<400 where connection.requestsInFlight.contains(id) {
                try? await Task.sleep(for: .milliseconds(5))
            }
            connection.sendNotification(
                method: SessionUpdate.method, params: SessionUpdate.params(session: session, SessionUpdate.availableCommands(SlashCommand.all)))
        }
    }
}

/// ACP's error conventions beyond JSON-RPC's own.
enum ACPErrors {
    /// ACP's `auth_required`.
    static func authRequired(_ methods: [JSONValue]) -> JSONRPCError {
        let hint = methods.first?["description"]?.stringValue ?? "This agent needs no authentication."
        return JSONRPCError(code: -32000, message: "Authentication required: \(hint)", data: ["authMethods": .array(methods)])
    }

    static func promptRunning(_ session: String) -> JSONRPCError {
        JSONRPCError(
            code: JSONRPCError.invalidRequestCode,
            message: "Invalid request: session \(session) is already answering a prompt; wait for its answer or send session/cancel",
            data: ["sessionId": .string(session)])
    }
}
