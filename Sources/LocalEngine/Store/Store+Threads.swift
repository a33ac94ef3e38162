import AssistantAPI

/// Threads. Deleting one deletes its messages, runs and steps (foreign keys cascade).
extension Store {
    public func insertThread(_ thread: ThreadObject) throws {
        var stored = thread
        stored.requestID = nil
        try change(
            "INSERT INTO threads (id, created_at, json) VALUES (?, ?, ?)",
            [.text(stored.id), .int(stored.createdAt), try encode(stored)])
    }

    public func thread(id: String) throws -> ThreadObject? {
        try fetchOne(ThreadObject.self, "SELECT json FROM threads WHERE id = ?", [.text(id)])
    }

    public func threadExists(id: String) throws -> Bool { try exists("threads", id: id) }

    /// A page of threads in creation order. Each metadata pair asked for is one condition (two
    /// `?`: key, value) on the stored JSON, so a cursor must also name a matching thread. The
    /// unfiltered list is a scan of the primary key; a filtered one reads each thread's metadata.
    public func listThreads(_ params: ListThreadsParams) throws -> ListPage<ThreadObject> {
        let pairs = (params.metadata ?? [:]).sorted { $0.key < $1.key }
        let spec = ListSpec(
            table: "threads", columns: "id, json", idColumn: "id",
            filters: pairs.map { _ in "EXISTS (SELECT 1 FROM json_each(threads.json, '$.metadata') WHERE key = ? AND value = ?)" },
            noun: "thread")
        let values = pairs.flatMap { [SQLValue.text($0.key), .text($0.value)] }
        let scope = pairs.isEmpty ? "this data dir" : "the threads with that metadata"
        return try page(spec, values, scope: scope, params.list, item: idAndJSON(ThreadObject.self))
    }

    /// Replaces the stored thread; `notFound` if there is none.
    public func updateThread(_ thread: ThreadObject) throws {
        var stored = thread
        stored.requestID = nil
        if try change("UPDATE threads SET json = ? WHERE id = ?", [try encode(stored), .text(stored.id)]) == 0 {
            throw APIError.notFound("thread", id: thread.id)
        }
    }

    /// Deletes the thread with its messages, runs and steps; false if there was none.
    @discardableResult
    public func deleteThread(id: String) throws -> Bool {
        try change("DELETE FROM threads WHERE id = ?", [.text(id)]) > 0
    }
}
