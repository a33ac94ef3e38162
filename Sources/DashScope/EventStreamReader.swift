import AssistantAPI
import AssistdSupport
import Foundation
import HTTPStreaming
import JSONCore

/// Turns an SSE body into `StreamEvent`s, forwarding each as soon as its bytes arrive, its
/// `data` exactly as the service sent it: checked to be JSON and passed on as its text, or
/// parsed where the bridge acts on it (run and step events, whose shape is checked) or where
/// the text cannot go on as it is (line breaks, a secret in it).
struct EventStreamReader: Sendable {
    let endpoint: String
    let errors: ServiceErrors
    let log: DashScopeLog?

    /// The events, read from the body as the consumer asks for them, a batch per read (the
    /// events its bytes complete): a consumer that waits (a full output) leaves the body unread,
    /// and the transport pauses the transfer. Cancelling the consumer or dropping the stream
    /// cancels the HTTP request.
    func events(from exchange: HTTPExchange) -> StreamEventBatches {
        let source = EventSource(reader: self, exchange: exchange)
        return StreamEventBatches { try await source.next() }
    }

    /// The event as the bridge passes it on; throws `MalformedEvent` when its data is not JSON
    /// or a run or step event has the wrong shape.
    /// `secrets`: the known secrets (`KnownSecrets.current`, read once for several events).
    func checked(_ event: SSEEvent, named name: String, after count: Int, secrets: [String]) throws -> StreamEvent {
        if !name.hasPrefix("thread.run."),
            let facts = event.data.withUnsafeBufferPointer(JSONValue.checkText),
            !facts.hasLineBreak, !Self.mayHoldSecret(event.data, facts, secrets: secrets)
        {
            return StreamEvent(event: name, checkedDataText: event.data)
        }
        let data: JSONValue
        do {
            data = try JSONValue.parse(event.data)
        } catch {
            throw APIError(
                .upstreamFailure,
                "malformed event from \(endpoint) after \(count) events: the data of '\(name)' is not JSON (\(error))",
                code: "MalformedEvent")
        }
        if let problem = EventShapeCheck.problem(event: name, data: data) {
            throw APIError(
                .upstreamFailure, "malformed event from \(endpoint) after \(count) events: '\(name)': \(problem)",
                code: "MalformedEvent")
        }
        return StreamEvent(event: name, data: SecretRedaction.scrubKnownSecrets(data))
    }

    /// Whether a known secret may be in the text's strings: its bytes appear, or an escape could
    /// spell it (then the parsed strings are scrubbed instead).
    static func mayHoldSecret(_ text: [UInt8], _ facts: JSONTextFacts, secrets: [String]) -> Bool {
        guard !secrets.isEmpty else { return false }
        if facts.hasDisguisingEscape { return true }
        return text.withUnsafeBytes { bytes in
            secrets.contains { secret in
                KnownSecrets.appears(secret, in: bytes) || (facts.hasEscape && secret.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C })
            }
        }
    }
}

/// The reader's state between pulls. `@unchecked Sendable`: the stream calls `next` one call at
/// a time, never concurrently.
private final class EventSource: @unchecked Sendable {
    private enum State { case streaming, afterDone, ended }
    /// A batch ends once its events' data reach this many bytes: its frames then fit one
    /// buffer well below malloc's mmap threshold (a read of a backlog holds up to the transport's
    /// buffer, 256 KiB, and fresh mapped pages cost more than the events).
    static let batchDataBytes = 32 << 10
    /// The data of the end of a stream, however it is named.
    static let doneData = Array("[DONE]".utf8)

    private let reader: EventStreamReader
    private let exchange: HTTPExchange
    private var body: AsyncThrowingStream<Data, any Error>.AsyncIterator
    private var parser = SSEParser()
    private var pending: [SSEEvent] = []
    private var nextIndex = 0
    private var count = 0
    private var inputEnded = false
    private var state = State.streaming

    init(reader: EventStreamReader, exchange: HTTPExchange) {
        self.reader = reader
        self.exchange = exchange
        body = exchange.body.makeAsyncIterator()
    }

    func next() async throws -> [StreamEvent]? {
        do {
            return try await pull()
        } catch let error as TransportError where !Task.isCancelled {
            state = .ended
            throw APIError(
                .upstreamFailure,
                reader.errors.scrub("the connection dropped mid-stream (\(reader.endpoint)) after \(count) events: \(error.message)"),
                code: ServiceErrors.transportCode(error.kind))
        } catch {
            state = .ended
            exchange.cancel()
            // The consumer went away and cancelled us: that is not the stream's fault.
            throw Task.isCancelled ? CancellationError() : error
        }
    }

    /// The events that the bytes read so far complete (reading when none is pending). An
    /// `error` event or a malformed one ends the batch before it and fails the next pull, so the
    /// events ahead of it still go out.
    private func pull() async throws -> [StreamEvent]? {
        var batch: [StreamEvent] = []
        var batchBytes = 0
        let secrets = KnownSecrets.current
        while true {
            switch state {
            case .ended:
                return batch.isEmpty ? nil : batch
            case .afterDone:
                if !batch.isEmpty { return batch }
                // Read to the end (the chunked terminator), so the connection can be reused.
                while (try? await body.next()) != nil {}
                state = .ended
                return nil
            case .streaming:
                break
            }
            if nextIndex < pending.count {
                if try take(into: &batch, bytes: &batchBytes, secrets: secrets) { return batch }
                continue
            }
            if !batch.isEmpty { return batch }
            (pending, nextIndex) = ([], 0)
            if inputEnded {
                throw APIError(
                    .upstreamFailure, "the event stream from \(reader.endpoint) ended without its done event after \(count) events",
                    code: "IncompleteStream")
            }
            if let chunk = try await body.next() {
                pending = parser.feed(chunk)
            } else {
                if Task.isCancelled { throw CancellationError() }
                inputEnded = true
                pending = parser.finish()
            }
        }
    }

    /// Moves the pending events into `batch` until the batch is full, the stream's end, or an
    /// event the batch must end before (an `error`, a malformed one); true when the batch goes
    /// out now. The pending events and counters are read into locals: each use of a class's
    /// stored property is an exclusivity check at run time.
    private func take(into batch: inout [StreamEvent], bytes batchBytes: inout Int, secrets: [String]) throws -> Bool {
        let events = pending
        var index = nextIndex
        var taken = count
        defer { (nextIndex, count) = (index, taken) }
        batch.reserveCapacity(batch.count + events.count - index)
        while index < events.count {
            let event = events[index]
            let name = event.event ?? "message"
            if name.isSpelled(EventName.done) || event.data == Self.doneData {
                index += 1
                state = .afterDone
                batch.append(.done)
                return false
            }
            let isError = name.isSpelled(EventName.error)
            if !batch.isEmpty && isError { return true }
            if isError { throw reader.errors.streamError(event, eventsBefore: taken) }
            let checked: StreamEvent
            do {
                checked = try reader.checked(event, named: name, after: taken, secrets: secrets)
            } catch where !batch.isEmpty {
                return true  // this event fails the next pull, after the ones before it
            }
            index += 1
            taken += 1
            batch.append(checked)
            batchBytes += event.data.count
            if batchBytes >= Self.batchDataBytes { return true }
        }
        return false
    }
}

extension String {
    /// `==` after a length check (constant time for native strings): nearly every event's name
    /// differs in length from the few it is compared with, and comparing contents costs more.
    fileprivate func isSpelled(_ other: String) -> Bool { utf8.count == other.utf8.count && self == other }
}
