import AssistantAPI

/// Cross-process cancel: a process asked to cancel a run that another live process executes
/// records the request here; the owner polls for requests on its runs and cancels them itself.
extension Store {
    /// Records a cancel request for `runID` (idempotent: the first request's time is kept).
    public func requestCancel(runID: String, at time: Int64) throws {
        try change(
            "INSERT INTO run_cancel_requests (run_id, requested_at) VALUES (?, ?) ON CONFLICT(run_id) DO NOTHING",
            [.text(runID), .int(time)])
    }

    /// Those of `runIDs` with a cancel request (one primary-key lookup each, in one query).
    public func cancelRequests(among runIDs: [String]) throws -> Set<String> {
        guard !runIDs.isEmpty else { return [] }
        return try withConnection { db in
            var requested: Set<String> = []
            let placeholders = Array(repeating: "?", count: runIDs.count).joined(separator: ", ")
            try db.query(
                "SELECT run_id FROM run_cancel_requests WHERE run_id IN (\(placeholders))", runIDs.map { .text($0) }
            ) { row in requested.insert(row.text(0)) }
            return requested
        }
    }

    /// SQLite's `PRAGMA data_version` for this connection: it changes only when another
    /// connection (another process) commits, so that a poll skips its query while it stays put.
    public func dataVersion() throws -> Int64 {
        try withConnection { db in try db.scalarInt("PRAGMA data_version") ?? 0 }
    }
}
