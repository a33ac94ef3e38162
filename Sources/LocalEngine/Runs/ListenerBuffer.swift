import AssistantAPI
import Foundation

/// The events of one listener that its consumer has not taken yet: bounded. The run's turn waits
/// for room before producing more (`RunListeners.waitForRoom`), so a slow consumer slows the
/// model instead of growing this; one that takes nothing for too long, or overflows it anyway,
/// is detached: its stream ends with `ListenerFellBehind` while the run goes on and is stored.
///
/// Its lock is never held while resuming a continuation, and nothing else is taken under it.
final class ListenerBuffer: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`.
    /// Events held before the producer waits for room.
    static let highWater = 256
    /// Events held before the listener is detached (only events that bypass the wait, such as
    /// a cancellation's, can go past `highWater`).
    static let hardLimit = 4096

    private let lock = NSLock()
    /// Called once when the consumer goes away (never under `lock`): the listener leaves its run.
    private let onAbandon: @Sendable () -> Void
    private var events: [StreamEvent] = []
    private var head = 0
    private var ending: (any Error)??
    private var consumer: CheckedContinuation<[StreamEvent]?, any Error>?
    private var roomWaiters: [CheckedContinuation<Void, Never>] = []
    /// Uptime (ns) when the consumer last took an event, or when it was last level.
    private(set) var lastTaken = DispatchTime.now().uptimeNanoseconds
    private var done = false

    private var held: Int { events.count - head }

    init(onAbandon: @escaping @Sendable () -> Void = {}) { self.onAbandon = onAbandon }

    // MARK: producer

    /// Adds an event; false when the buffer overflowed (the caller detaches the listener).
    /// With `wake` false a waiting consumer is not woken: `wake()` hands it the events held,
    /// so the events of one run step reach its task as one batch, with one wake-up.
    func push(_ event: StreamEvent, wake: Bool = true) -> Bool {
        lock.lock()
        guard !done, ending == nil else {
            lock.unlock()
            return true
        }
        if held >= Self.hardLimit {
            lock.unlock()
            return false
        }
        if held == 0 { lastTaken = DispatchTime.now().uptimeNanoseconds }
        events.append(event)
        guard wake, let consumer else {
            lock.unlock()
            return true
        }
        self.consumer = nil
        let batch = takeAll()
        lock.unlock()
        consumer.resume(returning: batch)
        return true
    }

    /// Hands a waiting consumer every event held, as one batch.
    func wake() {
        lock.lock()
        guard let waiting = consumer, held > 0 else {
            lock.unlock()
            return
        }
        consumer = nil
        let batch = takeAll()
        lock.unlock()
        waiting.resume(returning: batch)
    }

    /// With the lock held and an event held: takes them all, in order.
    private func takeAll() -> [StreamEvent] {
        let batch = head == 0 ? events : Array(events[head...])
        events = []
        head = 0
        lastTaken = DispatchTime.now().uptimeNanoseconds
        return batch
    }

    /// Ends the stream after the events held (`error` nil: normally).
    func finish(throwing error: (any Error)? = nil) {
        lock.lock()
        guard ending == nil, !done else {
            lock.unlock()
            return
        }
        ending = .some(error)
        let waiting = consumer
        consumer = nil
        let waiters = roomWaiters
        roomWaiters = []
        // A consumer waits with events held only when they were pushed without waking it.
        let first = waiting != nil && held > 0 ? takeAll() : nil
        if waiting != nil && first == nil { done = true }
        lock.unlock()
        if let waiting {
            if let first {
                waiting.resume(returning: first)
            } else if let error {
                waiting.resume(throwing: error)
            } else {
                waiting.resume(returning: nil)
            }
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether the consumer is keeping up (fewer than `highWater` events held, or it ended).
    var hasRoom: Bool {
        lock.lock()
        defer { lock.unlock() }
        return done || ending != nil || held < Self.highWater
    }

    /// Returns once the consumer has taken events below `highWater`, the stream ended, or
    /// `deadline` (uptime ns) passed.
    func waitForRoom(until deadline: UInt64) async {
        guard !hasRoom else { return }
        let timer = Task { [self] in
            let now = DispatchTime.now().uptimeNanoseconds
            if deadline > now { try? await Task.sleep(nanoseconds: deadline - now) }
            wakeRoomWaiters()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            while !hasRoom && DispatchTime.now().uptimeNanoseconds < deadline && !Task.isCancelled {
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    lock.lock()
                    if done || ending != nil || held < Self.highWater || Task.isCancelled
                        || DispatchTime.now().uptimeNanoseconds >= deadline
                    {
                        lock.unlock()
                        waiter.resume()
                        return
                    }
                    roomWaiters.append(waiter)
                    lock.unlock()
                }
            }
        } onCancel: {
            wakeRoomWaiters()
        }
    }

    private func wakeRoomWaiters() {
        lock.lock()
        let waiters = roomWaiters
        roomWaiters = []
        lock.unlock()
        for waiter in waiters { waiter.resume() }
    }

    // MARK: consumer

    /// Every event held (or, when none is, the next ones pushed together), in order; nil once
    /// the stream ended.
    func nextBatch() async throws -> [StreamEvent]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[StreamEvent]?, any Error>) in
                lock.lock()
                if head < events.count {
                    let batch = takeAll()
                    let waiters = roomWaiters
                    roomWaiters = []
                    lock.unlock()
                    for waiter in waiters { waiter.resume() }
                    continuation.resume(returning: batch)
                    return
                }
                if done || Task.isCancelled {
                    done = true
                    lock.unlock()
                    continuation.resume(returning: nil)
                    return
                }
                if let ending {
                    done = true
                    lock.unlock()
                    if let error = ending { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
                    return
                }
                consumer = continuation
                let waiters = roomWaiters
                roomWaiters = []
                lock.unlock()
                for waiter in waiters { waiter.resume() }
            }
        } onCancel: {
            // Runs under the consuming task's own lock: take only ours, resume after releasing it.
            abandon()
        }
    }

    /// The consumer went away (cancelled, or its stream was dropped): the stream ends.
    func abandon() {
        lock.lock()
        let first = !done
        done = true
        events = []
        head = 0
        let waiting = consumer
        consumer = nil
        let waiters = roomWaiters
        roomWaiters = []
        lock.unlock()
        waiting?.resume(returning: nil)
        for waiter in waiters { waiter.resume() }
        if first { onAbandon() }
    }

    var isAbandoned: Bool {
        lock.lock()
        defer { lock.unlock() }
        return done
    }
}

/// Why a listener's stream ended before its run paused or ended: its consumer took nothing for
/// too long, or fell more than `ListenerBuffer.hardLimit` events behind.
public struct ListenerFellBehind: Error, Sendable, CustomStringConvertible {
    public let runID: String
    public var description: String {
        "the run's event stream was ended because its reader fell behind (the run \(runID) goes on)"
    }
}
