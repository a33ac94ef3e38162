import CSQLite

/// SQLite wants this sentinel to copy bound text immediately; the C macro is not importable.
let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// SQLite's "the caller keeps the bytes alive" sentinel (`SQLITE_STATIC`): no copy of a bound
/// value, so a large row is not held twice while it is written.
let staticDestructor = unsafeBitCast(0, to: sqlite3_destructor_type.self)

/// A value to bind to a statement parameter.
enum SQLValue {
    case int(Int64)
    case text(String)
    case bytes([UInt8])
    case null
}

/// One sqlite3 connection with a cache of prepared statements. Not thread-safe: `Store`
/// serialises every use behind its lock.
final class SQLiteConnection {
    let handle: OpaquePointer
    private var cache: [String: OpaquePointer] = [:]

    init(path: String, flags: Int32) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError(code: rc, "cannot open \(path): \(message)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { close() }

    private var isClosed = false

    func close() {
        guard !isClosed else { return }
        isClosed = true
        for statement in cache.values { sqlite3_finalize(statement) }
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, _ context: String) -> StoreError {
        StoreError(code: rc, "\(context): \(String(cString: sqlite3_errmsg(handle)))")
    }

    /// Runs SQL that returns no rows (pragmas, DDL, transaction control); not cached.
    func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        if rc != SQLITE_OK { throw error(rc, sql) }
    }

    /// The prepared statement for `sql`, compiled once and reused.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = cache[sql] { return SQLiteStatement(handle: cached, connection: self) }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw error(rc, "prepare \(sql)") }
        cache[sql] = statement
        return SQLiteStatement(handle: statement, connection: self)
    }

    /// Binds `values`, steps through the rows calling `row` for each, and resets the statement.
    func query(_ sql: String, _ values: [SQLValue] = [], row: (SQLiteStatement) throws -> Void) throws {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.withBindings(values[...]) {
            while try statement.step() { try row(statement) }
        }
    }

    /// Runs a statement that changes rows; returns how many it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue] = []) throws -> Int {
        try query(sql, values) { _ in }
        return Int(sqlite3_changes(handle))
    }

    /// Writes `bytes` over the start of a blob the row already holds (made with `zeroblob`),
    /// straight into the database's pages: SQLite builds no record holding another copy.
    func writeBlob(table: String, column: String, rowid: Int64, _ bytes: [UInt8]) throws {
        var blob: OpaquePointer?
        var rc = sqlite3_blob_open(handle, "main", table, column, rowid, 1, &blob)
        guard rc == SQLITE_OK, let blob else { throw error(rc, "open \(table).\(column) of row \(rowid)") }
        defer { sqlite3_blob_close(blob) }
        rc = bytes.withUnsafeBytes { buffer in sqlite3_blob_write(blob, buffer.baseAddress, Int32(buffer.count), 0) }
        if rc != SQLITE_OK { throw error(rc, "write \(table).\(column) of row \(rowid)") }
    }

    /// The first column of the first row, as an integer (nil when there is no row).
    func scalarInt(_ sql: String, _ values: [SQLValue] = []) throws -> Int64? {
        var result: Int64?
        try query(sql, values) { row in
            if result == nil { result = row.int(0) }
        }
        return result
    }
}

/// A cached prepared statement: bind, step, read columns. Valid until its connection closes.
struct SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection

    /// Binds `values` without copying them and runs `body` while their bytes are still alive
    /// (SQLite reads them during the steps); `reset` clears the bindings afterwards.
    func withBindings(_ values: ArraySlice<SQLValue>, _ body: () throws -> Void) throws {
        guard let value = values.first else { return try body() }
        let index = Int32(values.startIndex + 1)
        let rest = values.dropFirst()
        switch value {
        case .int(let number):
            try check(sqlite3_bind_int64(handle, index, number), index)
            try withBindings(rest, body)
        case .null:
            try check(sqlite3_bind_null(handle, index), index)
            try withBindings(rest, body)
        case .text(let string):
            var text = string
            try text.withUTF8 { buffer in
                try bindText(UnsafeRawBufferPointer(buffer), at: index)
                try withBindings(rest, body)
            }
        case .bytes(let bytes):
            try bytes.withUnsafeBytes { buffer in
                try bindText(buffer, at: index)
                try withBindings(rest, body)
            }
        }
    }

    private func bindText(_ buffer: UnsafeRawBufferPointer, at index: Int32) throws {
        // An empty buffer may have no base address, which SQLite would bind as NULL.
        let rc = buffer.isEmpty
            ? sqlite3_bind_text(handle, index, "", 0, transientDestructor)
            : sqlite3_bind_text(
                handle, index, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(buffer.count), staticDestructor)
        try check(rc, index)
    }

    private func check(_ rc: Int32, _ index: Int32) throws {
        if rc != SQLITE_OK { throw connection.error(rc, "bind parameter \(index)") }
    }

    /// True when a row is available; false when the statement is done.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc, "step \(String(cString: sqlite3_sql(handle)))")
        }
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The column's bytes, valid only until the next step or reset.
    func withBytes<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        guard let bytes = sqlite3_column_blob(handle, column) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))))
    }
}
