import AssistantAPI
import JSONCore

/// Runs of a thread. `status` has its own column so that the active run of a thread and the
/// runs to recover after a restart are found through an index.
extension Store {
    static let runList = ListSpec(table: "runs", columns: "id, json", idColumn: "id", filters: ["thread_id = ?"], noun: "run")

    static func storable(_ run: Run) -> Run {
        var copy = run
        copy.requestID = nil
        copy.tools = copy.tools.map(\.redacted)
        return copy
    }

    /// Inserts a run; `notFound("thread")` if its thread does not exist.
    public func insertRun(_ run: Run) throws {
        let stored = Self.storable(run)
        try withConnection { _ in
            try insertChild(
                "INSERT INTO runs (id, thread_id, status, created_at, json) VALUES (?, ?, ?, ?, ?)",
                [.text(stored.id), .text(stored.threadID), .text(stored.status.rawValue), .int(stored.createdAt), try encode(stored)],
                parent: "thread", parentID: stored.threadID)
            // A new run has logged nothing: its first event needs no lookup of the log.
            nextEventIndex.remember(stored.id, 0)
        }
    }

    public func run(id: String) throws -> Run? {
        try fetchOne(Run.self, "SELECT json FROM runs WHERE id = ?", [.text(id)])
    }

    /// The run, if it exists and belongs to `threadID`.
    public func run(threadID: String, id: String) throws -> Run? {
        try fetchOne(Run.self, "SELECT json FROM runs WHERE id = ? AND thread_id = ?", [.text(id), .text(threadID)])
    }

    /// Replaces the stored run (status included); `notFound` if there is none.
    public func updateRun(_ run: Run) throws {
        let stored = Self.storable(run)
        let changed = try change(
            "UPDATE runs SET status = ?, json = ? WHERE id = ?",
            [.text(stored.status.rawValue), try encode(stored), .text(stored.id)])
        if changed == 0 { throw APIError.notFound("run", id: run.id) }
    }

    /// Replaces the stored run as `updateRun` does, keeping the stored metadata: the run
    /// executor's write, racing a client's `runs/update`. One statement when the metadata is what
    /// `run` carries (the usual case: the run is written as it is, nothing decoded); otherwise the
    /// stored run is read, given the executor's fields and written back, in one transaction.
    public func updateRunKeepingMetadata(_ run: Run) throws {
        let stored = Self.storable(run)
        let object = try JSONValue(encoding: stored)
        // SQLite's text of the stored metadata object, compared with ours: the same bytes when a
        // client changed nothing. A difference in form alone only takes the longer way.
        let metadata: SQLValue = object["metadata"].map { .bytes($0.serialized()) } ?? .null
        let changed = try change(
            "UPDATE runs SET status = ?, json = ? WHERE id = ? AND json_extract(json, '$.metadata') IS ?",
            [.text(stored.status.rawValue), .bytes(object.serialized()), .text(stored.id), metadata])
        if changed > 0 { return }
        _ = try modifyRun(id: run.id) { current in
            let metadata = current.metadata
            current = run
            current.metadata = metadata
        }
    }

    /// `notFound("thread")` if the thread does not exist.
    public func listRuns(threadID: String, _ list: ListParams) throws -> ListPage<Run> {
        guard try threadExists(id: threadID) else { throw APIError.notFound("thread", id: threadID) }
        return try page(Self.runList, [.text(threadID)], scope: "thread \(threadID)", list, item: idAndJSON(Run.self))
    }

    static let activeStatuses: [RunStatus] = [.queued, .inProgress, .requiresAction, .cancelling]

    /// The thread's run that holds its lock (queued, in_progress, requires_action or cancelling), if any.
    public func activeRun(threadID: String) throws -> Run? {
        let marks = Self.activeStatuses.map { _ in "?" }.joined(separator: ", ")
        return try fetchOne(
            Run.self,
            "SELECT json FROM runs WHERE status IN (\(marks)) AND thread_id = ? ORDER BY seq DESC LIMIT 1",
            Self.activeStatuses.map { .text($0.rawValue) } + [.text(threadID)])
    }

    /// Every run in one of `statuses`, oldest first (restart recovery).
    public func runs(withStatuses statuses: [RunStatus]) throws -> [Run] {
        if statuses.isEmpty { return [] }
        let marks = statuses.map { _ in "?" }.joined(separator: ", ")
        return try fetchAll(
            Run.self, "SELECT json FROM runs WHERE status IN (\(marks)) ORDER BY seq ASC", statuses.map { .text($0.rawValue) })
    }
}
