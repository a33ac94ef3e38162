import AssistantAPI
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

    /// One event of this request's stream, waiting while the output is full.
    func sendStreamNotification(method: String, params: JSONValue?) async throws {
        try await channel.sendStreamNotification(method: method, params: params)
    }

    /// A batch to fill with this request's events (`sendStreamBatch`).
    func makeStreamBatch() -> StreamMessageBatch { channel.makeStreamBatch() }

    /// Several events of this request's stream, queued together in order, waiting while the
    /// output is full.
    func sendStreamBatch(_ batch: StreamMessageBatch) async throws {
        try await channel.sendStreamBatch(batch)
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
/// gaps. Events are queued behind one another and before the request's response; `emit` waits
/// while the output is full (back-pressure), so call it from one task, one call at a time.
public final class RunEventStream: Sendable {
    public static let method = "runs/event"

    private let context: RequestContext
    private let nextSeq = Locked<Int64>(0)
    /// `{"jsonrpc":"2.0","method":"runs/event","params":{"request":ID,"seq":` (the events of
    /// data carried as text are written from it, the text spliced in as it is).
    private let framePrefix: [UInt8]

    init(context: RequestContext) {
        self.context = context
        var prefix = Array(#"{"jsonrpc":"2.0","method":"\#(Self.method)","params":{"request":"#.utf8)
        context.requestID.json.write(to: &prefix)
        prefix.append(contentsOf: #","seq":"#.utf8)
        framePrefix = prefix
    }

    /// Throws `OutputError.peerStalled` when the client stopped reading for longer than the
    /// stalled-client limit (the stream then ends), `CancellationError` when cancelled.
    public func emit(event: String, data: JSONValue) async throws {
        try await emit([StreamEvent(event: event, data: data)])
    }

    /// `emit` for a batch of stream events, queued together (one hand-over to the writer for
    /// all of them): one whose data is checked JSON text goes out with that text spliced in,
    /// neither parsed nor serialized again.
    public func emit(_ events: [StreamEvent]) async throws {
        let first = nextSeq.current
        var batch = context.makeStreamBatch()
        batch.reserveCapacity(events.reduce(0) { $0 + framePrefix.count + ($1.dataText?.count ?? 64) + 48 })
        // `,"event":NAME,"data":` of the last name written (a stream repeats a few names).
        var named: (name: String, bytes: [UInt8])?
        for (offset, event) in events.enumerated() {
            let seq = first + Int64(offset)
            guard let text = event.dataText, !event.isDone else {
                // The protocol's `done` carries null, not the service's "[DONE]" sentinel.
                let data: JSONValue = event.isDone ? .null : event.data
                batch.append(
                    notification: Self.method, params: ["request": context.requestID.json, "seq": .int(seq), "event": .string(event.event), "data": data])
                continue
            }
            let middle: [UInt8]
            if let named, named.name == event.event {
                middle = named.bytes
            } else {
                var bytes = Array(#","event":"#.utf8)
                JSONValue.writeString(event.event, to: &bytes)
                bytes.append(contentsOf: #","data":"#.utf8)
                (middle, named) = (bytes, (event.event, bytes))
            }
            let count = framePrefix.count + Self.decimalCount(seq) + middle.count + text.count + 2
            batch.append(messageOfCount: count) { frame in
                frame.append(contentsOf: framePrefix)
                Self.appendDecimal(seq, to: &frame)
                frame.append(contentsOf: middle)
                frame.append(contentsOf: text)
                frame.append(UInt8(ascii: "}"))
                frame.append(UInt8(ascii: "}"))
            }
        }
        try await context.sendStreamBatch(batch)
        nextSeq.withLock { $0 = first + Int64(events.count) }
    }

    public var eventsSent: Int64 { nextSeq.current }

    /// How many bytes `appendDecimal` writes.
    static func decimalCount(_ value: Int64) -> Int {
        var count = value < 0 ? 2 : 1
        var magnitude = value.magnitude / 10
        while magnitude > 0 {
            count += 1
            magnitude /= 10
        }
        return count
    }

    /// `seq`'s digits written where they go (no string made for each event).
    static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}
