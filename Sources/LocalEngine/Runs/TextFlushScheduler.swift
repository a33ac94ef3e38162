import AssistantAPI
import AssistdSupport
import Foundation

/// Sends turns' waiting batches of text deltas within their windows (`RunMachine.textBatchWindow`)
/// when the model's next chunk does not come first. One scheduler serves all of an executor's
/// runs with one timer, armed for the earliest deadline: a turn that ends, or sends its batch
/// with a later delta, before its window is over costs no task, no timer and no wake-up.
/// At most one flush of a turn waits at a time.
final class TextFlushScheduler: Sendable {
    private struct Pending {
        let driver: RunDriver
        let deadline: UInt64
    }

    private struct State {
        var pending: [ObjectIdentifier: Pending] = [:]
        /// Deadlines (uptime ns) of the timers armed and not fired yet.
        var armed: [UInt64] = []
    }

    private let state = Locked(State())
    private let queue = DispatchQueue(label: "assistd.text-flush", qos: .utility)

    /// Flushes `driver`'s waiting text `windowMs` from now, unless a flush of it already waits.
    func schedule(_ driver: RunDriver, windowMs: Int64) {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(1, windowMs)) * 1_000_000
        let arm = state.withLock { state -> Bool in
            let key = ObjectIdentifier(driver)
            guard state.pending[key] == nil else { return false }
            state.pending[key] = Pending(driver: driver, deadline: deadline)
            return Self.needsTimer(at: deadline, &state)
        }
        if arm { armTimer(at: deadline) }
    }

    /// The turn ended: nothing of it waits any more.
    func cancel(_ driver: RunDriver) {
        state.withLock { _ = $0.pending.removeValue(forKey: ObjectIdentifier(driver)) }
    }

    /// Whether a timer must be armed for `deadline` (no armed one fires by then); records it.
    private static func needsTimer(at deadline: UInt64, _ state: inout State) -> Bool {
        if let earliest = state.armed.min(), earliest <= deadline { return false }
        state.armed.append(deadline)
        return true
    }

    private func armTimer(at deadline: UInt64) {
        queue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: deadline)) { [self] in fire(armedFor: deadline) }
    }

    private func fire(armedFor armedDeadline: UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        let (due, next) = state.withLock { state -> ([RunDriver], UInt64?) in
            if let index = state.armed.firstIndex(of: armedDeadline) { state.armed.remove(at: index) }
            let dueKeys = state.pending.compactMap { $0.value.deadline <= now ? $0.key : nil }
            let due = dueKeys.compactMap { state.pending.removeValue(forKey: $0)?.driver }
            guard let earliest = state.pending.values.lazy.map(\.deadline).min(),
                Self.needsTimer(at: earliest, &state)
            else { return (due, nil) }
            return (due, earliest)
        }
        if let next { armTimer(at: next) }
        // After a run ended (or its batch went out with a later delta) this does nothing.
        for driver in due { _ = try? driver.apply { $0.flushText(now: Timestamp.now()) } }
    }
}
