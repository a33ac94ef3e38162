import AssistantAPI

extension RunRepository {
    /// A repository without an event log keeps none (`runs/stream` then sees only final states).
    public func appendRunEvents(runID: String, _ events: [SerializedRunEvent]) throws {}
}

extension StoreRunRepository {
    func appendRunEvents(runID: String, _ events: [SerializedRunEvent]) throws {
        try store.appendRunEvents(runID: runID, events)
    }
}

extension RunExecutor {
    /// Every event a run emits goes to its event log first, so that an attached follower (in
    /// this process or another) sees it with the index the live stream gives it. `serialized`
    /// holds each event's data as its row stores it.
    func logEvents(_ events: [StreamEvent], serialized: [SerializedEventData], of driver: RunDriver) {
        guard !events.isEmpty else { return }
        do {
            try repository.appendRunEvents(
                runID: driver.runID, zip(events, serialized).map { SerializedRunEvent(event: $0.event, data: $1.bytes) })
        } catch {
            logger.error("could not log an event of \(driver.runID): \(error)")
        }
    }
}
