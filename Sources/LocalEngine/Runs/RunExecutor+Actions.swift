import AssistantAPI
import Foundation

extension RunExecutor {
    // MARK: submit tool outputs

    /// Records the outputs for the pending tool calls (all of them, in one call) and resumes
    /// the run. With `listen`, the stream carries the continuation's events from
    /// `thread.run.step.completed` on.
    public func submitToolOutputs(_ params: SubmitToolOutputsParams, listen: Bool)
        throws -> (run: Run, events: StreamEventBatches?)
    {
        let driver = try driver(threadID: params.threadID, runID: params.runID)
        try driver.apply { $0.expire(now: Timestamp.now()) }
        let owner = configuration.owner
        let submit = { (machine: inout RunMachine) in try machine.submit(params.toolOutputs, owner: owner, now: Timestamp.now()) }
        if listen {
            let (run, events) = try driver.applyListening(submit)
            return (run, events)
        }
        return (try driver.apply(submit), nil)
    }

    // MARK: cancel

    /// Cancels from any non-terminal status; idempotent. A run whose model call is in flight
    /// goes to `cancelling` and ends `cancelled` as soon as the call stops. A run that another
    /// live process executes is left to that process (`requestCancelFromOwner`).
    public func cancel(threadID: String, runID: String) throws -> Run {
        if let requested = try requestCancelFromOwner(threadID: threadID, runID: runID) { return requested }
        return try driver(threadID: threadID, runID: runID).apply { $0.cancel(now: Timestamp.now()) }
    }

    // MARK: wait

    /// Returns when the run is terminal or `requires_action`, without polling when this
    /// process executes it; otherwise (another process) polls storage with a backoff.
    public func wait(threadID: String, runID: String, timeoutMs: Int?) async throws -> Run {
        let deadline = timeoutMs.map { Timestamp.now() + Int64($0) }
        if let listener = driver(for: runID)?.listenUnlessSettled() {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for try await _ in listener {} }
                if let deadline {
                    group.addTask { try await Task.sleep(nanoseconds: UInt64(max(0, deadline - Timestamp.now())) * 1_000_000) }
                }
                _ = try await group.next()
                group.cancelAll()
            }
            try Task.checkCancellation()
        }
        var delayMs: Int64 = 50
        while true {
            var run = try repository.run(threadID: threadID, runID: runID)
            // Another process executes it: if that process is gone, nobody else would end it.
            if !RunMachine.isSettled(run.status), recoverIfOrphaned(threadID: threadID, runID: runID) {
                run = try repository.run(threadID: threadID, runID: runID)
            }
            if RunMachine.isSettled(run.status) { return run }
            if let deadline, Timestamp.now() >= deadline { return run }
            let sleep = deadline.map { min(delayMs, max(1, $0 - Timestamp.now())) } ?? delayMs
            try await Task.sleep(nanoseconds: UInt64(sleep) * 1_000_000)
            delayMs = min(delayMs * 2, 1000)
        }
    }

    // MARK: expiry

    func scheduleExpiry(runID: String, threadID: String, at expiresAt: Int64) {
        Task.detached { [self] in
            let wait = max(0, expiresAt - Timestamp.now())
            try? await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000)
            self.expireIfWaiting(threadID: threadID, runID: runID)
        }
    }

    func expireIfWaiting(threadID: String, runID: String) {
        _ = try? driver(threadID: threadID, runID: runID).apply { $0.expire(now: Timestamp.now()) }
    }

    // MARK: shutdown

    /// The process ends cleanly: every run whose turn this process executes ends `cancelled`
    /// (its message keeps the text streamed so far), and the recovery sweep stops. Quick: one
    /// write per such run. Only a process that dies uncleanly leaves runs for recovery.
    public func shutdown() {
        shuttingDown.withLock { $0 = true }
        for driver in drivers.withLock({ Array($0.values) }) {
            _ = try? driver.apply { $0.stopForExit(now: Timestamp.now()) }
        }
    }
}
