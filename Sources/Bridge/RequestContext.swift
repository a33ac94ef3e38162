import AssistdSupport
import JSONCore
import JSONRPC

/// What a method handler gets besides its params: who asked, a way to talk back, and what the
/// client declared in `initialize`.
public struct RequestContext: Sendable {
    public let requestID: RequestID
    public let method: String
    /// `initialize`'s `capabilities` object (empty when none were sent).
    public let clientCapabilities: JSONValue
    public let logger: Logger
    private let channel: RequestChannel

    init(channel: RequestChannel, clientCapabilities: JSONValue, logger: Logger) {
        self.requestID = channel.id
        self.method = channel.method
        self.channel = channel
        self.clientCapabilities = clientCapabilities
        self.logger = logger
    }

    /// Whether the client declared `capabilities.tools.call: true` (or the older spelling
    /// `capabilities.clientTools: true`): it answers `tools/call`.
    public var clientHandlesTools: Bool {
        clientCapabilities["tools"]?["call"]?.boolValue == true || clientCapabilities["clientTools"]?.boolValue == true
    }

    /// Queued in order: everything sent here is written before this request's response.
    public func sendNotification(method: String, params: JSONValue?) {
        channel.sendNotification(method: method, params: params)
    }

    /// A server→client request (ids "s1", "s2", …). Throws the client's error response as a
    /// `JSONRPCError`, `PeerRequestError` on timeout or close, `CancellationError` when this
    /// request is cancelled.
    public func sendRequest(method: String, params: JSONValue?, timeout: Duration) async throws -> JSONValue {
        try await channel.sendRequest(method: method, params: params, timeout: timeout)
    }

    /// A stream of `runs/event` notifications for this request, numbered from 0.
    public func makeRunEventStream() -> RunEventStream { RunEventStream(context: self) }
}

/// Writes `runs/event {request, seq, event, data}` for one request. `seq` counts from 0 with no
/// gaps. Because notifications are queued in order, every event is on the wire before the
/// request's response.
public final class RunEventStream: Sendable {
    public static let method = "runs/event"

    private let context: RequestContext
    private let nextSeq = Locked<Int64>(0)

    init(context: RequestContext) { self.context = context }

    public func emit(event: String, data: JSONValue) {
        // The protocol's `done` carries null, not the service's "[DONE]" sentinel.
        let data: JSONValue = event == "done" ? .null : data
        // Numbering and queueing under one lock keep seq order and write order the same.
        nextSeq.withLock { seq in
            context.sendNotification(
                method: Self.method,
                params: ["request": context.requestID.json, "seq": .int(seq), "event": .string(event), "data": data])
            seq += 1
        }
    }

    public var eventsSent: Int64 { nextSeq.current }
}
