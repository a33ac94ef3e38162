import AssistdSupport
import AssistantAPI
import Foundation
import JSONCore

/// The streams listening to one run. Only the driver's effects add, feed and end them, one
/// effect at a time; a stream that its consumer drops removes itself. The lock guards the
/// dictionary only: it is never held while yielding to or finishing a stream, so a stream's
/// termination handler can run anywhere.
final class RunListeners: Sendable {
    typealias Events = AsyncThrowingStream<StreamEvent, any Error>

    struct Listener: Sendable {
        let id = UUID()
        let continuation: Events.Continuation
        /// The `request_id` this listener's payloads carry.
        let requestID: JSONValue = .string(ObjectID.requestID())
    }

    private let entries = Locked<[UUID: Listener]>([:])

    /// A stream and the listener that feeds it once attached.
    func makeListener() -> (Events, Listener) {
        let (stream, continuation) = Events.makeStream()
        let listener = Listener(continuation: continuation)
        continuation.onTermination = { [entries, id = listener.id] _ in
            entries.withLock { $0[id] = nil }
        }
        return (stream, listener)
    }

    func attach(_ listener: Listener) {
        entries.withLock { $0[listener.id] = listener }
    }

    func emit(_ event: StreamEvent) {
        for listener in entries.withLock({ Array($0.values) }) {
            var stamped = event
            if case .object(var object) = event.data {
                object["request_id"] = listener.requestID
                stamped.data = .object(object)
            }
            listener.continuation.yield(stamped)
        }
    }

    /// Every listener gets `done` and its stream finishes.
    func end() {
        let ending = entries.withLock { entries in
            defer { entries.removeAll() }
            return Array(entries.values)
        }
        for listener in ending {
            listener.continuation.yield(.done)
            listener.continuation.finish()
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
