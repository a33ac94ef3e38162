import AssistantAPI

extension RunRepository {
    /// A repository without an event log keeps none (`runs/stream` then sees only final states).
    public func appendRunEvent(runID: String, _ event: StreamEvent) throws {}
}

extension StoreRunRepository {
    func appendRunEvent(runID: String, _ event: StreamEvent) throws {
        try store.appendRunEvent(runID: runID, event)
    }
}

extension RunExecutor {
    /// Every event a run emits goes to its event log first, so that an attached follower (in
    /// this process or another) sees it with the index the live stream gives it.
    func logEvent(_ event: StreamEvent, of driver: RunDriver) {
        do {
            try repository.appendRunEvent(runID: driver.runID, event)
        } catch {
            logger.error("could not log an event of \(driver.runID): \(error)")
        }
    }
}
