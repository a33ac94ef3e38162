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
