import Foundation

/// Counts `runs/event` notifications as the client's read thread hands them over, and when the
/// first arrived.
final class EventTally: @unchecked Sendable {
    private let lock = NSLock()
    private var events = 0
    private var first: ContinuousClock.Instant?

    func count() {
        let now = ContinuousClock.now
        lock.withLock {
            if first == nil { first = now }
            events += 1
        }
    }

    func reset() { lock.withLock { (events, first) = (0, nil) } }

    func read() -> (events: Int, first: ContinuousClock.Instant?) { lock.withLock { (events, first) } }
}
