import AssistdSupport
import AssistantAPI
import Foundation
import JSONCore

/// The streams listening to one run. Only the driver's effects add, feed and end them, one
/// effect at a time; a stream whose consumer goes away removes itself. The lock guards the
/// dictionary only: it is never held while handing an event over or ending a stream.
///
/// Each listener buffers boundedly (`ListenerBuffer`): the turn calls `waitForRoom` before each
/// model chunk, so the run goes at the pace of its slowest listener, and a listener whose reader
/// takes nothing for `detachAfter` (or overflows) is detached with `ListenerFellBehind` while the
/// run goes on and is stored.
final class RunListeners: Sendable {
    /// A listener's events, a batch per step of the run (the events its effects sent together).
    typealias Events = StreamEventBatches

    struct Listener: Sendable {
        let id: UUID
        let buffer: ListenerBuffer
        /// The `request_id` this listener's payloads carry, and its JSON text.
        let requestID: JSONValue
        let requestIDText: [UInt8]

        init(id: UUID, buffer: ListenerBuffer) {
            self.id = id
            self.buffer = buffer
            requestID = .string(ObjectID.requestID())
            requestIDText = requestID.serialized()
        }
    }

    static let defaultDetachAfter = RunExecutor.Configuration.defaultListenerDetachAfter

    let runID: String
    let detachAfter: Duration
    private let entries = Locked<[UUID: Listener]>([:])

    init(runID: String, detachAfter: Duration = RunListeners.defaultDetachAfter) {
        self.runID = runID
        self.detachAfter = detachAfter
    }

    /// A stream and the listener that feeds it once attached.
    func makeListener() -> (Events, Listener) {
        let id = UUID()
        let leave: @Sendable () -> Void = { [entries] in entries.withLock { $0[id] = nil } }
        let listener = Listener(id: id, buffer: ListenerBuffer(onAbandon: leave))
        let consumer = ListenerConsumer(buffer: listener.buffer, onGone: leave)
        let stream = Events(unfolding: { try await consumer.nextBatch() })
        return (stream, listener)
    }

    func attach(_ listener: Listener) {
        guard !listener.buffer.isAbandoned else { return }
        entries.withLock { $0[listener.id] = listener }
    }

    /// Sends the events to every listener, each object stamped with the listener's `request_id`;
    /// with `serialized` (each event's data as logged) they also carry their JSON text, spliced
    /// from those bytes, so that nobody serializes them again. With `wake` false the consumers
    /// wait for `wake()` (the executor wakes them once per batch of effects).
    func emit(_ events: [StreamEvent], serialized: [SerializedEventData]? = nil, wake: Bool = true) {
        let listeners = entries.withLock { Array($0.values) }
        for listener in listeners {
            for (position, event) in events.enumerated() {
                var stamped = event
                if case .object(var object) = event.data {
                    object[SerializedEventData.requestIDKey] = listener.requestID
                    stamped = StreamEvent(event: event.event, data: .object(object))
                }
                if let serialized {
                    stamped = StreamEvent(
                        event: event.event, data: stamped.data, serializedData: serialized[position].stamped(requestID: listener.requestIDText))
                }
                if !listener.buffer.push(stamped, wake: wake) {
                    detach(listener)
                    break
                }
            }
        }
    }

    /// Hands every waiting consumer the events emitted without waking it.
    func wake() {
        for listener in entries.withLock({ Array($0.values) }) { listener.buffer.wake() }
    }

    /// Every listener gets `done` and its stream finishes.
    func end() {
        let ending = entries.withLock { entries in
            defer { entries.removeAll() }
            return Array(entries.values)
        }
        for listener in ending {
            _ = listener.buffer.push(.done)
            listener.buffer.finish()
        }
    }

    /// Waits until every listener has room (the producer's back-pressure); a listener whose
    /// reader has taken nothing for `detachAfter` is detached instead.
    func waitForRoom() async {
        let limit = UInt64(detachAfter.components.seconds) * 1_000_000_000 + UInt64(detachAfter.components.attoseconds / 1_000_000_000)
        for listener in entries.withLock({ Array($0.values) }) where !listener.buffer.hasRoom {
            await listener.buffer.waitForRoom(until: listener.buffer.lastTaken + limit)
            if Task.isCancelled { return }
            if !listener.buffer.hasRoom,
                DispatchTime.now().uptimeNanoseconds >= listener.buffer.lastTaken + limit
            {
                detach(listener)
            }
        }
    }

    private func detach(_ listener: Listener) {
        entries.withLock { $0[listener.id] = nil }
        listener.buffer.finish(throwing: ListenerFellBehind(runID: runID))
    }

    var count: Int { entries.withLock { $0.count } }
}

/// The consuming end of a listener's stream: when the stream is dropped (its consumer gone),
/// this goes with it and the listener is removed.
private final class ListenerConsumer: Sendable {
    let buffer: ListenerBuffer
    let onGone: @Sendable () -> Void

    init(buffer: ListenerBuffer, onGone: @escaping @Sendable () -> Void) {
        self.buffer = buffer
        self.onGone = onGone
    }

    func nextBatch() async throws -> [StreamEvent]? {
        do {
            guard let batch = try await buffer.nextBatch() else {
                onGone()
                return nil
            }
            return batch
        } catch {
            onGone()
            throw error
        }
    }

    deinit {
        buffer.abandon()
        onGone()
    }
}
