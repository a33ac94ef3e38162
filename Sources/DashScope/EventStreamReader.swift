import AssistantAPI
import Foundation
import HTTPStreaming
import JSONCore

/// Turns an SSE body into `StreamEvent`s, forwarding each as soon as its bytes arrive, its
/// `data` parsed to JSON exactly as the service sent it.
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
                    continuation.yield(StreamEvent(event: name, data: SecretRedaction.scrubKnownSecrets(data)))
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
}
