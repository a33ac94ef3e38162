import AssistantAPI

/// The executor performs its drivers' effects (never with a driver's lock held; see `RunDriver`).
extension RunExecutor: RunEffectPerformer {
    func perform(_ effect: RunEffect, for driver: RunDriver) {
        switch effect {
        case .persist(let writes):
            do {
                if writes.count == 1 {
                    try write(writes[0])
                } else {
                    try repository.transaction { for row in writes { try write(row) } }
                }
            } catch {
                logger.error("could not store \(driver.runID): \(error)")
            }
        case .emit(let event):
            logEvent(event, of: driver)
            driver.listeners.emit(event)
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
