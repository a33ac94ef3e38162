import AssistantAPI
import AssistdSupport
import Foundation

/// Sends a turn's waiting batch of text deltas within its window (`RunMachine.textBatchWindow`),
/// when the model's next chunk does not come first: at most one flush is scheduled at a time.
final class TextBatchTimer: Sendable {
    private let driver: RunDriver
    private let pending = Locked<Task<Void, Never>?>(nil)

    init(driver: RunDriver) { self.driver = driver }

    func schedule(windowMs: Int64) {
        pending.withLock { pending in
            guard pending == nil else { return }
            pending = Task.detached(priority: .utility) { [driver, self] in
                try? await Task.sleep(nanoseconds: UInt64(max(1, windowMs)) * 1_000_000)
                self.pending.withLock { $0 = nil }
                // After the run ended (or the batch went out with a later delta) this does nothing.
                _ = try? driver.apply { $0.flushText(now: Timestamp.now()) }
            }
        }
    }

    func cancel() {
        pending.withLock { $0 }?.cancel()
    }
}
