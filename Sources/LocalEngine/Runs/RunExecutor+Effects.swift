import AssistantAPI

/// The executor performs its drivers' effects (never with a driver's lock held; see `RunDriver`).
extension RunExecutor: RunEffectPerformer {
    /// Group commit: the rows and logged events of the whole batch (what one or more transitions
    /// produced) are written in one transaction, then the batch is performed without them, in
    /// order. So every event still reaches listeners only once it and the rows before it are
    /// committed, as when each was its own transaction, and the events keep their order. Each
    /// event's data is serialized once, for its log row, and listeners get those bytes too.
    func perform(batch: [RunEffect], for driver: RunDriver) {
        guard batch.lazy.filter(\.touchesStore).count > 1 else {
            for effect in batch { perform(effect, for: driver) }
            return
        }
        let events = batch.compactMap { effect -> StreamEvent? in
            if case .emit(let event) = effect { return event }
            return nil
        }
        let serialized = events.map { SerializedEventData($0.data) }
        do {
            try repository.transaction {
                for effect in batch {
                    if case .persist(let writes) = effect { persist(writes, of: driver) }
                }
                logEvents(events, serialized: serialized, of: driver)
            }
        } catch {
            logger.error("could not store the changes of \(driver.runID): \(error)")
        }
        // Listeners are woken once, after the batch: one wake-up of each stream's task for the
        // whole step, which takes the step's events as one batch (ending or detaching a listener
        // wakes it with its events, in order). Consecutive events are handed over together.
        var emitted = 0
        var pending = 0..<0
        func emitPending() {
            guard !pending.isEmpty else { return }
            driver.listeners.emit(Array(events[pending]), serialized: Array(serialized[pending]), wake: false)
            pending = emitted..<emitted
        }
        for effect in batch {
            switch effect {
            case .persist: break
            case .emit:
                emitted += 1
                pending = pending.lowerBound..<emitted
            default:
                emitPending()
                perform(effect, for: driver)
            }
        }
        emitPending()
        driver.listeners.wake()
    }

    func perform(_ effect: RunEffect, for driver: RunDriver) {
        switch effect {
        case .persist(let writes):
            persist(writes, of: driver)
        case .emit(let event):
            let serialized = [SerializedEventData(event.data)]
            logEvents([event], serialized: serialized, of: driver)
            driver.listeners.emit([event], serialized: serialized)
        case .attach(let listener):
            driver.listeners.attach(listener)
        case .endListeners:
            driver.listeners.end()
        case .startTurn:
            let task = Task.detached(priority: .utility) { [self] in await self.driveTurns(driver) }
            driver.turnTask.withLock { $0 = task }
        case .cancelTurn:
            driver.turnTask.withLock { $0 }?.cancel()
        case .scheduleExpiry(let expiresAt):
            scheduleExpiry(runID: driver.runID, threadID: driver.threadID, at: expiresAt)
        case .release:
            driver.turnTask.withLock { $0 = nil }
            drivers.withLock { drivers in
                if drivers[driver.runID] === driver { drivers[driver.runID] = nil }
            }
        }
    }

    /// One `.persist`: its rows all together or none (a savepoint inside a group's transaction).
    func persist(_ writes: [RunWrite], of driver: RunDriver) {
        do {
            if writes.count == 1 {
                try write(writes[0])
            } else {
                try repository.transaction { for row in writes { try write(row) } }
            }
        } catch {
            logger.error("could not store \(driver.runID): \(error)")
        }
    }

    func write(_ row: RunWrite) throws {
        switch row {
        case .insertStep(let step): try repository.insertStep(step)
        case .updateStep(let step): try repository.updateStep(step)
        case .insertMessage(let message): try repository.insertMessage(message)
        case .updateMessage(let message): try repository.updateMessage(message)
        case .updateMessageText(let message): try repository.updateMessageText(message)
        case .updateRun(let run): try repository.updateRun(run)
        case .claimRun(let runID, let owner): try repository.claimRun(runID: runID, owner: owner)
        }
    }
}
