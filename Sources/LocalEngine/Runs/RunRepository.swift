import AssistantAPI

/// What the run executor needs from storage. The SQLite store implements it; every method is
/// short and synchronous (SQLite calls), and the multi-row ones are single transactions.
public protocol RunRepository: Sendable {
    func assistant(id: String) throws -> Assistant
    func thread(id: String) throws -> ThreadObject
    func run(threadID: String, runID: String) throws -> Run

    /// Atomically (one transaction, also against other processes): creates `newThread` if given,
    /// fails with the conflicting-state error if the thread has an active run, then inserts
    /// `messages` and `run`, recording `owner` (the executing process) for recovery.
    /// Appends events of the run's stream, in order, to its event log (`Store+RunEvents`).
    func appendRunEvents(runID: String, _ events: [SerializedRunEvent]) throws

    func beginRun(_ run: Run, newThread: ThreadObject?, messages: [Message], owner: RunOwner) throws
    /// The process that executes the run (as given to `beginRun` or `claimRun`).
    func runOwner(runID: String) throws -> RunOwner?
    func claimRun(runID: String, owner: RunOwner) throws
    /// Records that a process other than the owner was asked to cancel the run (cross-process cancel).
    func requestCancel(runID: String) throws
    /// Those of `runIDs` with a recorded cancel request.
    func cancelRequests(among runIDs: [String]) throws -> Set<String>
    /// A number that changes when another connection commits (`PRAGMA data_version`).
    func dataVersion() throws -> Int64

    func insertMessage(_ message: Message) throws
    func updateMessage(_ message: Message) throws
    /// Stores `message`'s content, the only change since it was last stored (streamed text).
    func updateMessageText(_ message: Message) throws
    func insertStep(_ step: RunStep) throws
    func updateStep(_ step: RunStep) throws
    func updateRun(_ run: Run) throws
    /// Several updates in one transaction (a run's end touches the run, a step and a message).
    func transaction(_ body: () throws -> Void) throws

    /// The thread's newest `limit` messages, oldest first (a prompt holds no more).
    func recentThreadMessages(threadID: String, limit: Int) throws -> [Message]
    /// The same messages as a prompt needs them (`PromptHistoryMessage`).
    func recentPromptHistory(threadID: String, limit: Int) throws -> [PromptHistoryMessage]
    /// The thread's `tool_calls` steps created at or after `createdAt`, oldest first (for
    /// placing tool rounds among those messages).
    func threadToolSteps(threadID: String, since createdAt: Int64) throws -> [RunStep]
    func message(id: String) throws -> Message?
    func steps(runID: String) throws -> [RunStep]
    /// Runs in any of these statuses, across all threads (restart recovery).
    func runs(withStatuses statuses: [RunStatus]) throws -> [Run]
}

extension RunRepository {
    public func updateMessageText(_ message: Message) throws { try updateMessage(message) }
}
