import AssistantAPI
import CSQLite
import JSONCore

/// Small helpers shared by the typed CRUD extensions.
extension Store {
    /// The object decoded from the `json` column of the first row of `sql`, or nil.
    func fetchOne<T: Decodable>(_ type: T.Type, _ sql: String, _ values: [SQLValue]) throws -> T? {
        try withConnection { db in
            var result: T?
            try db.query(sql, values) { row in
                if result == nil { result = try decode(T.self, row, column: 0) }
            }
            return result
        }
    }

    /// Every object decoded from the `json` column of `sql`'s rows.
    func fetchAll<T: Decodable>(_ type: T.Type, _ sql: String, _ values: [SQLValue]) throws -> [T] {
        try withConnection { db in
            var result: [T] = []
            try db.query(sql, values) { row in result.append(try decode(T.self, row, column: 0)) }
            return result
        }
    }

    func exists(_ table: String, id: String) throws -> Bool {
        try withConnection { db in try db.scalarInt("SELECT 1 FROM \(table) WHERE id = ?", [.text(id)]) != nil }
    }

    /// Runs a change; returns the number of rows changed.
    @discardableResult
    func change(_ sql: String, _ values: [SQLValue]) throws -> Int {
        try withConnection { db in try db.run(sql, values) }
    }

    /// Runs an insert of a child row, turning a missing parent (a foreign-key failure) into
    /// `notFound` for that parent.
    func insertChild(_ sql: String, _ values: [SQLValue], parent: String, parentID: String) throws {
        do {
            try change(sql, values)
        } catch let error as StoreError where error.code == sqliteConstraintForeignKey {
            throw APIError.notFound(parent, id: parentID)
        }
    }

    /// An `(id, object)` reader for lists selecting `id, json`.
    func idAndJSON<T: Decodable>(_ type: T.Type) -> (SQLiteStatement) throws -> (id: String, value: T) {
        { row in (row.text(0), try self.decode(T.self, row, column: 1)) }
    }
}

/// `SQLITE_CONSTRAINT_FOREIGNKEY` (a C macro Swift cannot import).
let sqliteConstraintForeignKey: Int32 = SQLITE_CONSTRAINT | (3 << 8)

/// `SQLITE_CONSTRAINT_PRIMARYKEY`.
let sqliteConstraintPrimaryKey: Int32 = SQLITE_CONSTRAINT | (6 << 8)

/// An id stored in a nullable column: the service writes "" for "none" on user messages.
func optionalID(_ id: String?) -> SQLValue {
    guard let id, !id.isEmpty else { return .null }
    return .text(id)
}
