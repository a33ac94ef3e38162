import AssistantAPI
import JSONCore

/// runs/{list,retrieve,update} and steps/* over stored objects.
extension LocalBackend {
    public func listRuns(threadID: String, _ list: ListParams) async throws -> ListPage<Run> {
        try store.listRuns(threadID: threadID, list)
    }

    public func retrieveRun(threadID: String, runID: String) async throws -> Run {
        try existingRun(threadID: threadID, runID: runID)
    }

    /// `metadata` replaces the whole map, in one transaction with the read so that a status
    /// change by the run executor is not lost.
    public func updateRun(threadID: String, runID: String, metadata: [String: String]?, raw: JSONObject) async throws -> Run {
        try store.transaction {
            _ = try existingRun(threadID: threadID, runID: runID)
            return try store.modifyRun(id: runID) { run in
                if let metadata { run.metadata = metadata }
            }
        }
    }

    public func listSteps(threadID: String, runID: String, _ list: ListParams) async throws -> ListPage<RunStep> {
        _ = try existingRun(threadID: threadID, runID: runID)
        return try store.listSteps(runID: runID, list)
    }

    public func retrieveStep(threadID: String, runID: String, stepID: String) async throws -> RunStep {
        _ = try existingRun(threadID: threadID, runID: runID)
        guard let step = try store.step(runID: runID, id: stepID) else { throw APIError.notFound("run step", id: stepID) }
        return step
    }

    /// The run of that thread; `notFound` naming the thread or the run.
    func existingRun(threadID: String, runID: String) throws -> Run {
        guard try store.threadExists(id: threadID) else { throw APIError.notFound("thread", id: threadID) }
        guard let run = try store.run(threadID: threadID, id: runID) else { throw APIError.notFound("run", id: runID) }
        return run
    }
}
