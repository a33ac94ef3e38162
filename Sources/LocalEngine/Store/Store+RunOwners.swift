import AssistantAPI

/// The process executing each run (`RunOwner`), so that recovery fails only the runs of
/// processes that are gone, not those of another live assistd serving the same data dir.
extension Store {
    public func setRunOwner(runID: String, owner: RunOwner) throws {
        try change(
            """
            INSERT INTO run_owners (run_id, pid, start_time, boot_id) VALUES (?, ?, ?, ?)
            ON CONFLICT(run_id) DO UPDATE SET pid = excluded.pid, start_time = excluded.start_time, boot_id = excluded.boot_id
            """,
            [.text(runID), .int(Int64(owner.pid)), owner.startTime.map { .int(Int64(bitPattern: $0)) } ?? .null,
             owner.bootID.map { .text($0) } ?? .null])
    }

    public func runOwner(runID: String) throws -> RunOwner? {
        try withConnection { db in
            var owner: RunOwner?
            try db.query("SELECT pid, start_time, boot_id FROM run_owners WHERE run_id = ?", [.text(runID)]) { row in
                owner = RunOwner(
                    pid: Int32(truncatingIfNeeded: row.int(0)),
                    startTime: row.isNull(1) ? nil : UInt64(bitPattern: row.int(1)),
                    bootID: row.isNull(2) ? nil : row.text(2))
            }
            return owner
        }
    }
}
