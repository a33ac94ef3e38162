import AssistdSupport
import Foundation
import JSONCore
import JSONRPC

/// The client end of a session with assistd, on JSONRPC's own `Connection` (which speaks both
/// directions): requests with a client's ids 1, 2, …, `runs/event` notifications handed to `onEvent`
/// on the read thread in arrival order (so they come before their request's answer), and the
/// server's `tools/call` requests answered by `onToolCall`. Used by `assistd call`, `assistd demo`
/// and the benchmarks.
public final class ProtocolClient: MessageDispatcher {
    public typealias ToolCallHandler = @Sendable (JSONValue) async throws -> JSONValue

    /// Long enough never to fire: a request ends with its answer, or with the connection.
    private static let noTimeout: Duration = .seconds(10 * 365 * 24 * 3600)

    public let connection: Connection
    private let onEvent: @Sendable (JSONValue) -> Void
    private let onToolCall: ToolCallHandler?

    public init(
        input: Int32, output: Int32, framing: FramingMode, logger: Logger = .disabled,
        onEvent: @escaping @Sendable (JSONValue) -> Void = { _ in }, onToolCall: ToolCallHandler? = nil
    ) {
        let selection: FramingSelection = framing == .lsp ? .lsp : .ndjson
        connection = Connection(input: input, output: output, options: ConnectionOptions(framing: selection, logger: logger, ownRequestIDs: .clientIntegers))
        self.onEvent = onEvent
        self.onToolCall = onToolCall
    }

    /// Starts reading; when the server's output ends, pending requests fail.
    public func start(onServerGone: @escaping @Sendable () -> Void = {}) {
        connection.start(dispatcher: self) { [connection] in
            connection.close(deadline: .now())
            onServerGone()
        }
    }

    /// The result, or the server's error as a thrown `JSONRPCError` (`PeerRequestError` if the
    /// server went away first).
    public func request(_ method: String, _ params: JSONValue?) async throws -> JSONValue {
        try await connection.sendRequest(method: method, params: params, timeout: Self.noTimeout)
    }

    public func notify(_ method: String, _ params: JSONValue? = nil) {
        connection.sendNotification(method: method, params: params)
    }

    /// `initialize` with this client's name; declares `tools/call` when it answers them.
    public func initialize(clientName: String, clientVersion: String? = nil) async throws -> JSONValue {
        var clientInfo: JSONObject = ["name": .string(clientName)]
        if let clientVersion { clientInfo["version"] = .string(clientVersion) }
        var params: JSONObject = ["clientInfo": .object(clientInfo)]
        if onToolCall != nil { params["capabilities"] = ["tools": ["call": true]] }
        let result = try await request("initialize", .object(params))
        notify("initialized", [:])
        return result
    }

    /// `shutdown`, then `exit`, then the connection closes once they are written.
    public func shutdown() async {
        _ = try? await request("shutdown", nil)
        notify("exit")
        connection.close(deadline: .now() + .seconds(2))
    }

    // MARK: MessageDispatcher (the server's messages to us)

    public func route(_ request: IncomingRequest) -> RequestRoute {
        guard request.method == "tools/call", let onToolCall else {
            return .reply(.failure(.methodNotFound(request.method)))
        }
        let params = request.params ?? .null
        return .run { _ in try await onToolCall(params) }
    }

    public func receive(notification method: String, params: JSONValue?) {
        if method == "runs/event", let params { onEvent(params) }
    }
}
