import AssistantAPI

/// The process executing each run (restart recovery leaves other live processes' runs alone).
extension Store {
    public func setRunOwner(runID: String, owner: String) throws {
        try change(
            "INSERT INTO run_owners (run_id, owner) VALUES (?, ?) ON CONFLICT(run_id) DO UPDATE SET owner = excluded.owner",
            [.text(runID), .text(owner)])
    }

    public func runOwner(runID: String) throws -> String? {
        try withConnection { db in
            var owner: String?
            try db.query("SELECT owner FROM run_owners WHERE run_id = ?", [.text(runID)]) { row in owner = row.text(0) }
            return owner
        }
    }
}
