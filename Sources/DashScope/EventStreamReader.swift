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

    private enum Outcome { case more, done }

    func events(from exchange: HTTPExchange) -> AsyncThrowingStream<StreamEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<StreamEvent, any Error>.makeStream()
        let producer = Task {
            var parser = SSEParser()
            var count = 0
            func handle(_ events: [SSEEvent]) throws -> Outcome {
                for event in events {
                    let name = event.event ?? "message"
                    if name == EventName.done || event.data.elementsEqual("[DONE]".utf8) {
                        continuation.yield(.done)
                        return .done
                    }
                    if name == EventName.error { throw errors.streamError(event, eventsBefore: count) }
                    continuation.yield(try checked(event, named: name, after: count))
                    count += 1
                }
                return .more
            }
            do {
                var finished = false
                for try await chunk in exchange.body where !finished {
                    if try handle(parser.feed(chunk)) == .done {
                        continuation.finish()
                        // Keep reading to the end (the chunked terminator), so the connection can be reused.
                        finished = true
                    }
                }
                if finished { return }
                // The consumer went away and cancelled us: that is not the stream's fault.
                if Task.isCancelled { throw CancellationError() }
                if try handle(parser.finish()) == .done {
                    continuation.finish()
                    return
                }
                throw APIError(
                    .upstreamFailure, "the event stream from \(endpoint) ended without its done event after \(count) events",
                    code: "IncompleteStream")
            } catch let error as TransportError where !Task.isCancelled {
                continuation.finish(
                    throwing: APIError(
                        .upstreamFailure,
                        errors.scrub("the connection dropped mid-stream (\(endpoint)) after \(count) events: \(error.message)"),
                        code: ServiceErrors.transportCode(error.kind)))
            } catch {
                continuation.finish(throwing: Task.isCancelled ? CancellationError() : error)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                producer.cancel()
                exchange.cancel()
            }
        }
        return stream
    }

    /// The event as the bridge passes it on; throws `MalformedEvent` when its data is not JSON
    /// or a run or step event has the wrong shape.
    private func checked(_ event: SSEEvent, named name: String, after count: Int) throws -> StreamEvent {
        if !name.hasPrefix("thread.run."),
            let facts = event.data.withUnsafeBufferPointer(JSONValue.checkText),
            !facts.hasLineBreak, !Self.mayHoldSecret(event.data, facts)
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
    static func mayHoldSecret(_ text: [UInt8], _ facts: JSONTextFacts) -> Bool {
        let secrets = KnownSecrets.current
        guard !secrets.isEmpty else { return false }
        if facts.hasDisguisingEscape { return true }
        return text.withUnsafeBytes { bytes in
            secrets.contains { secret in
                KnownSecrets.appears(secret, in: bytes) || (facts.hasEscape && secret.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C })
            }
        }
    }
}
