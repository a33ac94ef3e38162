import CSQLite
import Foundation
import JSONCore

/// The local engine's storage: one SQLite connection (WAL, foreign keys, busy timeout) behind a
/// lock. Operations are short, so callers on any thread or task simply take turns; a
/// `transaction` holds the lock (recursively) for its whole body, so the typed methods below can
/// be called inside one.
///
/// Lookups return nil for a missing object; updates throw `APIError.notFound`; list cursors
/// that do not name an object of that list throw `APIError.invalid("after" | "before", …)`.
/// Objects are stored without `request_id` and come back without one.
public final class Store: @unchecked Sendable {
    public enum Location: Sendable, Equatable {
        /// `<directory>/assistd.sqlite3`, created (with its directory) if missing.
        case file(directory: String)
        /// Nothing survives the process (`--ephemeral`).
        case memory
    }

    public static let fileName = "assistd.sqlite3"
    /// How long a write waits for another connection (or process) to finish its transaction.
    public static let busyTimeoutMs: Int32 = 5000

    public let location: Location
    /// The database file's path, or `:memory:`.
    public let path: String

    private let lock = NSRecursiveLock()
    private let db: SQLiteConnection
    private var transactionDepth = 0
    /// Guarded by `lock` (see `RunEventIndexCache`).
    var nextEventIndex = RunEventIndexCache()
    private var isClosed = false

    private init(location: Location, path: String, db: SQLiteConnection) {
        self.location = location
        self.path = path
        self.db = db
    }

    /// Opens (creating if needed) the store and brings its schema up to date.
    public static func open(location: Location) throws -> Store {
        switch location {
        case .memory:
            // The `memdb` VFS rather than `:memory:`: the same bytes in memory, behind an ordinary
            // page cache. A `:memory:` database keeps every page in its cache, and every commit
            // then walked that cache's hash table, a cost that grew with the database. A name
            // without a leading "/" keeps the database private to this connection; its journal
            // stays in memory too (the VFS would put any other file on disk).
            let db = try SQLiteConnection(
                path: "file:assistd-ephemeral?vfs=memdb", flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI)
            try db.execute("PRAGMA journal_mode = MEMORY")
            // The VFS caps a database at 1 GiB unless told otherwise; `:memory:` had no cap.
            var unlimited = Int64.max
            _ = sqlite3_file_control(db.handle, "main", SQLITE_FCNTL_SIZE_LIMIT, &unlimited)
            try configure(db, wal: false)
            return Store(location: location, path: ":memory:", db: db)
        case .file(let directory):
            try createPrivateDirectory(directory)
            let path = (directory as NSString).appendingPathComponent(fileName)
            try createPrivateFile(path)
            let db = try SQLiteConnection(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            try configure(db, wal: true)
            return Store(location: location, path: path, db: db)
        }
    }

    private static func configure(_ db: SQLiteConnection, wal: Bool) throws {
        // The busy timeout first: switching to WAL itself may have to wait for another process.
        sqlite3_busy_timeout(db.handle, busyTimeoutMs)
        if wal {
            let mode = try switchToWAL(db)
            if mode.lowercased() != "wal" {
                throw StoreError("could not switch the database to WAL mode (it reports \"\(mode)\")")
            }
            try db.execute("PRAGMA synchronous = NORMAL")
        }
        try db.execute("PRAGMA foreign_keys = ON")
        try Schema.migrate(db)
    }

    /// Switching a fresh file to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY
    /// without calling the busy handler when another process is opening the same new file at that
    /// moment; so it is retried here, within the busy timeout. A file already in WAL is left alone.
    private static func switchToWAL(_ db: SQLiteConnection) throws -> String {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(busyTimeoutMs) * 1_000_000
        while true {
            do {
                var mode = ""
                try db.query("PRAGMA journal_mode") { mode = $0.text(0) }
                if mode.lowercased() == "wal" { return mode }
                try db.query("PRAGMA journal_mode = WAL") { mode = $0.text(0) }
                return mode
            } catch let error as StoreError where (error.code ?? 0) & 0xFF == SQLITE_BUSY {
                if DispatchTime.now().uptimeNanoseconds > deadline { throw error }
                usleep(10_000)
            }
        }
    }

    /// Creates `directory` and any missing parents with mode 0700.
    static func createPrivateDirectory(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw StoreError("data directory \(directory) exists and is not a directory")
        }
        let parent = (directory as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != directory { try createPrivateDirectory(parent) }
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw StoreError("cannot create data directory \(directory): \(String(cString: strerror(errno)))")
        }
    }

    /// Creates the database file with mode 0600 before SQLite opens it: SQLite then gives its
    /// `-wal` and `-shm` files the same mode.
    static func createPrivateFile(_ path: String) throws {
        let fd = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 {
            Glibc.close(fd)
        } else if errno != EEXIST {
            throw StoreError("cannot create database file \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// `$XDG_DATA_HOME/assistd`, or `$HOME/.local/share/assistd` when XDG_DATA_HOME is unset,
    /// empty or relative (the XDG spec says to ignore relative values).
    public static func defaultDataDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return (xdg as NSString).appendingPathComponent("assistd")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/share/assistd")
    }

    /// Closes the connection; later calls throw. Safe to call twice.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { return }
        isClosed = true
        db.close()
    }

    /// Runs `body` with the connection, holding the lock.
    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if isClosed { throw StoreError("the store is closed") }
        return try body(db)
    }

    /// Runs `body` as one transaction: all of its changes are written, or none. Nested calls
    /// become savepoints. The outermost takes the write lock up front (`BEGIN IMMEDIATE`), so a
    /// read-then-write (check a thread's active run, then insert) is atomic across processes too.
    /// The control statements are prepared once and reused: a run stores many small batches, and
    /// parsing `BEGIN`/`COMMIT` anew each time cost more than the rows themselves.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try withConnection { db in
            let depth = transactionDepth
            try db.run(depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT nested\(depth)")
            transactionDepth += 1
            let result: T
            do {
                result = try body()
            } catch {
                transactionDepth -= 1
                nextEventIndex.forgetAll()  // the rolled-back events' indexes are free again
                if depth == 0 {
                    _ = try? db.run("ROLLBACK")
                } else {
                    _ = try? db.run("ROLLBACK TO nested\(depth)")
                    _ = try? db.run("RELEASE nested\(depth)")
                }
                throw error
            }
            transactionDepth -= 1
            do {
                try db.run(depth == 0 ? "COMMIT" : "RELEASE nested\(depth)")
            } catch {
                nextEventIndex.forgetAll()
                if depth == 0 { _ = try? db.run("ROLLBACK") }
                throw error
            }
            return result
        }
    }

    /// Runs `body` inside the transaction already open on this connection, or in a new one: for
    /// a read-then-write that must be atomic but needs no savepoint of its own (it writes one row).
    func atomically<T>(_ body: () throws -> T) throws -> T {
        try withConnection { _ in
            transactionDepth > 0 ? try body() : try transaction(body)
        }
    }

    /// The most bytes the ephemeral database may grow to (nil for a file store).
    func memoryLimitBytes() throws -> Int64? {
        guard location == .memory else { return nil }
        return try withConnection { db in
            var limit: Int64 = -1  // below the size: SQLite answers the limit and keeps it
            guard sqlite3_file_control(db.handle, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit) == SQLITE_OK else { return nil }
            return limit
        }
    }

    /// `PRAGMA integrity_check`'s answer: `["ok"]` for a sound database.
    public func integrityCheck() throws -> [String] {
        try withConnection { db in
            var lines: [String] = []
            try db.query("PRAGMA integrity_check") { lines.append($0.text(0)) }
            return lines
        }
    }

    /// The schema version recorded in the file.
    public func schemaVersion() throws -> Int {
        try withConnection { db in Int(try db.scalarInt("PRAGMA user_version") ?? 0) }
    }

    // MARK: JSON rows

    func encode(_ value: some Encodable) throws -> SQLValue {
        .bytes(try JSONValue(encoding: value).serialized())
    }

    /// Our parser and `JSONValueDecoder`: several times faster than Foundation's JSONDecoder on
    /// these rows, with the same rules.
    func decode<T: Decodable>(_ type: T.Type, _ row: SQLiteStatement, column: Int32) throws -> T {
        do {
            let value = try row.withBytes(column) { bytes in try JSONValue.parse(bytes) }
            return try JSONValueDecoder().decode(T.self, from: value)
        } catch {
            throw StoreError("a stored \(T.self) could not be read back: \(error)")
        }
    }
}
