import AssistantAPI
import Foundation

/// Orphans: runs left `queued`, `in_progress` or `cancelling` by a process that is gone (a
/// `kill -9`, a crash, a power cut). They hold their thread, and nobody would ever end them.
/// Whichever process serving the data dir notices first ends them — at its start, when a
/// request finds one holding a thread or waits on one, and every `sweepSeconds` — `failed`
/// with `server_error` (`cancelling` ones `cancelled`). Runs in `requires_action` are not
/// orphans: any process takes their tool outputs; they expire on time.
extension RunExecutor {
    static let recoverableStatuses: Set<RunStatus> = [.queued, .inProgress, .cancelling]

    /// At start: ends the orphans, gives waiting runs their expiry timers back (or expires the
    /// overdue ones), and starts the sweep.
    public func recover() {
        let active = (try? repository.runs(withStatuses: [.queued, .inProgress, .cancelling, .requiresAction])) ?? []
        var recovered = 0
        for run in active {
            if run.status == .requiresAction {
                guard let expiresAt = run.expiresAt else { continue }
                if expiresAt <= Timestamp.now() {
                    expireIfWaiting(threadID: run.threadID, runID: run.id)
                } else {
                    scheduleExpiry(runID: run.id, threadID: run.threadID, at: expiresAt)
                }
            } else if recoverIfOrphaned(threadID: run.threadID, runID: run.id) {
                recovered += 1
            }
        }
        if recovered > 0 { logger.info("recovered \(recovered) runs whose process is gone") }
        startSweep()
        startCancelPoll()
    }

    /// Ends `runID` if it is an orphan, in one write transaction that re-reads its status and
    /// owner first: of several processes noticing at once, one ends it and the others find it
    /// ended. True when this call ended it.
    @discardableResult
    func recoverIfOrphaned(threadID: String, runID: String) -> Bool {
        // Read first without the write lock: nearly every run looked at has a live owner.
        guard let run = try? repository.run(threadID: threadID, runID: runID), Self.recoverableStatuses.contains(run.status),
              let owner = try? repository.runOwner(runID: runID), ownerIsGone(owner, runID: runID)
        else { return false }
        var recovered = false
        do {
            try repository.transaction {
                var run = try repository.run(threadID: threadID, runID: runID)
                guard Self.recoverableStatuses.contains(run.status), ownerIsGone(try repository.runOwner(runID: runID), runID: runID)
                else { return }
                // Another process asked its owner to cancel it: the owner died before it could.
                if try repository.cancelRequests(among: [runID]).contains(runID) { run.status = .cancelling }
                let steps = try repository.steps(runID: runID)
                let openMessage = try steps.first { $0.status == .inProgress }?.stepDetails.messageCreation
                    .flatMap { try repository.message(id: $0.messageID) }
                var machine = RunMachine(stored: run, steps: steps, openMessage: openMessage, maxRounds: configuration.maxRounds)
                for case .persist(let writes) in machine.abandon(now: Timestamp.now()) {
                    for row in writes { try write(row) }
                }
                recovered = true
            }
        } catch {
            logger.error("could not recover \(runID): \(error)")
            return false
        }
        guard recovered else { return false }
        // A driver this process loaded for it earlier (to take tool outputs) holds a state
        // that storage has left behind: drop it, so that the run is loaded afresh.
        drivers.withLock { $0[runID] = nil }
        logger.info("recovered \(runID) (\(run.status)) of \(owner), which is gone")
        return true
    }

    /// The owner no longer executes the run: a process that is gone, or this one holding no
    /// driver for it (it was never loaded here, or its last write failed). A run without an
    /// owner row predates owners (schema version 1).
    func ownerIsGone(_ owner: RunOwner?, runID: String) -> Bool {
        guard let owner else { return true }
        if owner == configuration.owner { return driver(for: runID) == nil }
        return !owner.isAlive()
    }

    /// Called when `runID` holds the thread a request wants: ends it if it is an orphan, or
    /// expires it if it waited past its expiry. True when it no longer holds the thread, so
    /// that the request is worth one more try.
    func releaseIfStale(threadID: String, runID: String) -> Bool {
        guard let run = try? repository.run(threadID: threadID, runID: runID) else { return true }
        if run.status == .requiresAction {
            guard let expiresAt = run.expiresAt, expiresAt <= Timestamp.now() else { return false }
            expireIfWaiting(threadID: threadID, runID: runID)
        } else if Self.recoverableStatuses.contains(run.status) {
            guard recoverIfOrphaned(threadID: threadID, runID: runID) else { return false }
        }
        return (try? repository.run(threadID: threadID, runID: runID).status.isTerminal) ?? true
    }

    /// Begins the run; when a run whose process is gone (or one overdue for expiry) holds the
    /// thread, frees the thread and tries once more.
    func beginRun(_ run: Run, newThread: ThreadObject?, messages: [Message]) throws {
        do {
            try repository.beginRun(run, newThread: newThread, messages: messages, owner: configuration.owner)
        } catch let error as APIError {
            guard case .string(let holder)? = error.details["active_run_id"], releaseIfStale(threadID: run.threadID, runID: holder)
            else { throw error }
            try repository.beginRun(run, newThread: newThread, messages: messages, owner: configuration.owner)
        }
    }

    /// A run paused here for tool outputs that another process has since ended, or taken on
    /// by taking its outputs: this driver's state is behind storage's, and acting on it (its
    /// expiry timer, a submit) would overwrite that process's work.
    func isTakenOver(_ driver: RunDriver) -> Bool {
        guard driver.read({ $0.run.status == .requiresAction }),
              let stored = try? repository.run(threadID: driver.threadID, runID: driver.runID)
        else { return false }
        if stored.status.isTerminal { return true }
        guard let owner = try? repository.runOwner(runID: driver.runID) else { return false }
        return owner != configuration.owner
    }

    // MARK: sweep

    /// Ends every orphan, and expires the overdue waiting runs of processes that are gone
    /// (their expiry timers went with them). Returns how many runs it ended.
    @discardableResult
    func sweep() -> Int {
        let active = (try? repository.runs(withStatuses: [.queued, .inProgress, .cancelling, .requiresAction])) ?? []
        var ended = 0
        for run in active {
            if run.status == .requiresAction {
                guard let expiresAt = run.expiresAt, expiresAt <= Timestamp.now(),
                      ownerIsGone(try? repository.runOwner(runID: run.id), runID: run.id)
                else { continue }
                expireIfWaiting(threadID: run.threadID, runID: run.id)
                ended += 1
            } else if recoverIfOrphaned(threadID: run.threadID, runID: run.id) {
                ended += 1
            }
        }
        return ended
    }

    func startSweep() {
        let interval = configuration.sweepSeconds
        guard interval > 0 else { return }
        Task.detached { [weak self] in
            while true {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
                guard let self, !self.shuttingDown.withLock({ $0 }) else { return }
                self.sweep()
            }
        }
    }
}
