import JSONCore

/// What the connection asks the application for each incoming message.
///
/// Both methods are called on the read thread, one message at a time in arrival order, so an
/// application can keep ordered state (such as a lifecycle) there. They must return quickly and
/// never block: real work goes into the closure of `RequestRoute.run`, which runs in its own task.
public protocol MessageDispatcher: Sendable {
    func route(_ request: IncomingRequest) -> RequestRoute
    /// Every notification except `$/cancelRequest`, which the connection handles itself.
    func receive(notification method: String, params: JSONValue?)
}

public enum RequestRoute: Sendable {
    /// Answer at once (an error, or a result that needs no work).
    case reply(Result<JSONValue, JSONRPCError>)
    /// Run concurrently in a task of its own; the returned value is the result. A thrown
    /// `JSONRPCError` becomes the error response, `CancellationError` becomes -32800, and anything
    /// else -32603.
    case run(@Sendable (RequestChannel) async throws -> JSONValue)
    /// Like `run`, with a result already serialized: its bytes are spliced into the response
    /// as they are (a stored object need not be parsed and written again).
    case runSerialized(@Sendable (RequestChannel) async throws -> SerializedJSON)
    /// Like `runSerialized`, started on the read thread: the work runs there until it first
    /// suspends, so a read that never does (a local store's page) is answered without being
    /// handed to another thread and back; after a wait it goes on on the thread that ended the
    /// wait (a hosted read's answer is parsed and written by the HTTP transport's thread). Only
    /// for short work that never blocks.
    case runSerializedAtOnce(@Sendable (RequestChannel) async throws -> SerializedJSON)
}

/// What a running request handler uses to talk to the peer.
public struct RequestChannel: Sendable {
    public let id: RequestID
    public let method: String
    let connection: Connection

    /// Queued in order: everything a handler sends is written before its own response.
    public func sendNotification(method: String, params: JSONValue?) {
        connection.sendNotification(method: method, params: params, stream: id)
    }

    /// One event of this request's stream: waits while the output is full (back-pressure);
    /// throws `OutputError` when the peer stalled. Call one at a time to keep their order.
    public func sendStreamNotification(method: String, params: JSONValue?) async throws {
        try await connection.sendStreamNotification(method: method, params: params, stream: id)
    }

    /// A batch to fill with this request's events, framed as the output frames them.
    public func makeStreamBatch() -> StreamMessageBatch { connection.makeStreamBatch() }

    /// Several events of this request's stream, queued together in order: waits (for room for
    /// all) and throws as `sendStreamNotification` does.
    public func sendStreamBatch(_ batch: StreamMessageBatch) async throws {
        try await connection.sendStreamBatch(batch, stream: id)
    }

    /// A server→client request, written after this request's events; see `Connection.sendRequest`.
    public func sendRequest(method: String, params: JSONValue?, timeout: Duration) async throws -> JSONValue {
        try await connection.sendRequest(method: method, params: params, timeout: timeout, stream: id)
    }
}

/// Why a server→client request produced no response. (An error *response* from the peer is
/// thrown as the `JSONRPCError` it carried.)
public enum PeerRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    case timedOut(method: String, id: String)
    case connectionClosed(method: String, id: String)

    public var description: String {
        switch self {
        case .timedOut(let method, let id): return "request \(id) '\(method)' to the client timed out"
        case .connectionClosed(let method, let id): return "connection closed before the client answered \(id) '\(method)'"
        }
    }
}
