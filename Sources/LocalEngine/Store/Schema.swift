/// The database schema as an ordered list of migrations. `PRAGMA user_version` records how many
/// have been applied; a new build appends migrations, never edits applied ones.
///
/// Every table has `seq INTEGER PRIMARY KEY AUTOINCREMENT`: insertion order, never reused, which
/// is the order lists use and what cursors resolve to. `json` holds the object's JSON (without
/// `request_id`); the other columns exist only where something is looked up or filtered by.
enum Schema {
    struct Migration {
        let version: Int
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(version: 1, statements: [
            """
            CREATE TABLE assistants (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                json TEXT NOT NULL)
            """,
            """
            CREATE TABLE assistant_files (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                assistant_id TEXT NOT NULL REFERENCES assistants(id) ON DELETE CASCADE,
                file_id TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                UNIQUE (assistant_id, file_id))
            """,
            "CREATE INDEX assistant_files_by_assistant ON assistant_files(assistant_id, seq)",
            """
            CREATE TABLE threads (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                json TEXT NOT NULL)
            """,
            """
            CREATE TABLE messages (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
                run_id TEXT,
                created_at INTEGER NOT NULL,
                json TEXT NOT NULL)
            """,
            "CREATE INDEX messages_by_thread ON messages(thread_id, seq)",
            "CREATE INDEX messages_by_run ON messages(run_id, seq)",
            """
            CREATE TABLE runs (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
                status TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                json TEXT NOT NULL)
            """,
            "CREATE INDEX runs_by_thread ON runs(thread_id, seq)",
            "CREATE INDEX runs_by_status ON runs(status, thread_id)",
            """
            CREATE TABLE steps (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                thread_id TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                json TEXT NOT NULL)
            """,
            "CREATE INDEX steps_by_run ON steps(run_id, seq)",
            "CREATE INDEX steps_by_thread ON steps(thread_id, seq)",
        ]),
        // Which process executes a run, so that a restart fails only the runs of processes that
        // are gone, not those of another assistd serving the same data dir.
        Migration(version: 2, statements: [
            "CREATE TABLE run_owners (run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE, owner TEXT NOT NULL)",
        ]),
        // The owner becomes pid + start time + boot id: a pid alone is reused by a later process.
        // Rows from version 2 keep their pid with the rest unknown (see `RunOwner.isAlive`).
        Migration(version: 3, statements: [
            """
            CREATE TABLE run_owners_v3 (
                run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
                pid INTEGER NOT NULL,
                start_time INTEGER,
                boot_id TEXT)
            """,
            "INSERT INTO run_owners_v3 (run_id, pid) SELECT run_id, CAST(owner AS INTEGER) FROM run_owners",
            "DROP TABLE run_owners",
            "ALTER TABLE run_owners_v3 RENAME TO run_owners",
        ]),
        // Cancels asked for by a process other than the run's owner: the owner polls for them
        // and cancels the run itself, so that only the executing process writes its end.
        Migration(version: 4, statements: [
            """
            CREATE TABLE run_cancel_requests (
                run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
                requested_at INTEGER NOT NULL)
            """,
        ]),
        // Each run's stream, durably, so that `runs/stream` can replay it and follow it from any
        // process (see `Store+RunEvents`). `idx` is the event's index in the run, from 0.
        Migration(version: 5, statements: [
            """
            CREATE TABLE run_events (
                run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                idx INTEGER NOT NULL,
                event TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (run_id, idx)) WITHOUT ROWID
            """,
        ]),
    ]

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the database to the latest version inside one write transaction, re-reading the
    /// version under the lock so that two processes opening a fresh file at once migrate it once.
    static func migrate(_ db: SQLiteConnection) throws {
        let seen = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
        if seen > latestVersion { throw newerSchemaError(seen) }
        if seen == latestVersion { return }
        try db.execute("BEGIN IMMEDIATE")
        do {
            let current = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
            if current > latestVersion { throw newerSchemaError(current) }
            for migration in migrations where migration.version > current {
                for statement in migration.statements { try db.execute(statement) }
                try db.execute("PRAGMA user_version = \(migration.version)")
            }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    private static func newerSchemaError(_ version: Int) -> StoreError {
        StoreError("the database has schema version \(version), newer than this assistd understands (\(latestVersion)); use a newer assistd or another --data-dir")
    }
}
