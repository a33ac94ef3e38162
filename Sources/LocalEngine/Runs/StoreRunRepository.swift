import AssistantAPI

/// The run executor's storage, over the SQLite store.
struct StoreRunRepository: RunRepository {
    let store: Store

    func assistant(id: String) throws -> Assistant {
        guard let assistant = try store.assistant(id: id) else { throw APIError.notFound("assistant", id: id) }
        return assistant
    }

    func thread(id: String) throws -> ThreadObject {
        guard let thread = try store.thread(id: id) else { throw APIError.notFound("thread", id: id) }
        return thread
    }

    func run(threadID: String, runID: String) throws -> Run {
        guard let run = try store.run(threadID: threadID, id: runID) else { throw APIError.notFound("run", id: runID) }
        return run
    }

    func beginRun(_ run: Run, newThread: ThreadObject?, messages: [Message], owner: RunOwner) throws {
        try store.transaction {
            if let newThread { try store.insertThread(newThread) }
            if let active = try store.activeRun(threadID: run.threadID) {
                throw APIError.conflict("Thread \(run.threadID) already has an active run \(active.id).", activeRunID: active.id)
            }
            for message in messages { try store.insertMessage(message) }
            try store.insertRun(run)
            try store.setRunOwner(runID: run.id, owner: owner)
        }
    }

    func runOwner(runID: String) throws -> RunOwner? { try store.runOwner(runID: runID) }
    func claimRun(runID: String, owner: RunOwner) throws { try store.setRunOwner(runID: runID, owner: owner) }
    func requestCancel(runID: String) throws { try store.requestCancel(runID: runID, at: Timestamp.now()) }
    func cancelRequests(among runIDs: [String]) throws -> Set<String> { try store.cancelRequests(among: runIDs) }
    func dataVersion() throws -> Int64 { try store.dataVersion() }
    func insertMessage(_ message: Message) throws { try store.insertMessage(message) }
    func updateMessage(_ message: Message) throws { try store.updateMessage(message) }
    func updateMessageText(_ message: Message) throws { try store.updateMessageText(id: message.id, text: message.text) }
    func insertStep(_ step: RunStep) throws { try store.insertStep(step) }
    func updateStep(_ step: RunStep) throws { try store.updateStep(step) }

    /// Keeps metadata a client changed meanwhile (`runs/update`): the executor owns every other field.
    func updateRun(_ run: Run) throws { try store.updateRunKeepingMetadata(run) }

    func transaction(_ body: () throws -> Void) throws { try store.transaction(body) }
    func recentThreadMessages(threadID: String, limit: Int) throws -> [Message] {
        try store.recentMessages(threadID: threadID, limit: limit)
    }
    func recentPromptHistory(threadID: String, limit: Int) throws -> [PromptHistoryMessage] {
        try store.recentPromptHistory(threadID: threadID, limit: limit)
    }
    func threadToolSteps(threadID: String, since createdAt: Int64) throws -> [RunStep] {
        try store.toolCallSteps(threadID: threadID, since: createdAt)
    }
    func message(id: String) throws -> Message? { try store.message(id: id) }
    func steps(runID: String) throws -> [RunStep] { try store.steps(runID: runID) }
    func runs(withStatuses statuses: [RunStatus]) throws -> [Run] { try store.runs(withStatuses: statuses) }
}
