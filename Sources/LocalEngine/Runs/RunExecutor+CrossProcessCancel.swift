import AssistantAPI
import Foundation

/// Cross-process cancel. Only the process executing a run writes its end: a process asked to
/// cancel a run that another live process executes records a cancel request in storage and
/// answers the run as `cancelling`; the owner polls for requests on its runs in flight and
/// cancels them with its normal transition (which stops the model call, persists `cancelled`
/// and ends its streams). SQLite tells no connection about another's commits, so the owner
/// polls every `cancelPollMilliseconds` while it has runs in flight; `PRAGMA data_version`
/// changes only when another connection commits, so a poll costs a pragma unless one did.
extension RunExecutor {
    static let cancelPollMilliseconds: UInt64 = 50

    /// When another live process executes the run (queued, in progress or cancelling): records
    /// a cancel request for its owner and returns the run as `cancelling` (or as it ended, if
    /// it ended meanwhile). Nil when this process cancels it itself: it executes it, it is
    /// paused for tool outputs (no turn to stop; whoever is asked ends it), it has ended, or
    /// its owner is gone (recovery's way).
    func requestCancelFromOwner(threadID: String, runID: String) throws -> Run? {
        guard driver(for: runID) == nil else { return nil }
        let run = try repository.run(threadID: threadID, runID: runID)
        guard Self.recoverableStatuses.contains(run.status), let owner = try repository.runOwner(runID: runID),
              owner != configuration.owner, owner.isAlive()
        else { return nil }
        try repository.requestCancel(runID: runID)
        var now = try repository.run(threadID: threadID, runID: runID)
        if !RunMachine.isSettled(now.status) { now.status = .cancelling }
        logger.info("asked the owner of \(runID) (\(owner)) to cancel it")
        return now
    }

    /// Cancels the runs in flight here that another process asked to cancel; returns them.
    @discardableResult
    func applyCancelRequests(lastVersion: inout Int64?, lastChecked: inout Set<String>) -> [String] {
        let inFlight = drivers.withLock { $0 }.filter { _, driver in
            driver.read { [.queued, .inProgress].contains($0.run.status) }
        }
        guard !inFlight.isEmpty else {
            lastChecked = []
            return []
        }
        let ids = Set(inFlight.keys)
        guard let version = try? repository.dataVersion() else { return [] }
        // Nobody else committed since the last look, and it looked at all of these runs.
        if version == lastVersion, ids.isSubset(of: lastChecked) { return [] }
        guard let requested = try? repository.cancelRequests(among: Array(ids)) else { return [] }
        lastVersion = version
        lastChecked = ids
        for runID in requested {
            _ = try? inFlight[runID]?.apply { $0.cancel(now: Timestamp.now()) }
            logger.info("cancelled \(runID) at another process's request")
        }
        return Array(requested)
    }

    func startCancelPoll() {
        Task.detached { [weak self] in
            var lastVersion: Int64?
            var lastChecked: Set<String> = []
            while true {
                try? await Task.sleep(nanoseconds: Self.cancelPollMilliseconds * 1_000_000)
                guard let self, !self.shuttingDown.withLock({ $0 }) else { return }
                self.applyCancelRequests(lastVersion: &lastVersion, lastChecked: &lastChecked)
            }
        }
    }
}
