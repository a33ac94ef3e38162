import AssistantAPI
import CSQLite

/// Cursor pagination over one table, the same for every list.
///
/// Semantics (as OpenAI documents them): the list has an order (`desc`, the default: newest
/// first; or `asc`). `after: X` returns the items that come after X in that order; `before: X`
/// returns the items that come before X in that order, the ones nearest X (so paging back with
/// `before: first_id` gives exactly the previous page); both together return the items between
/// them, starting next to `after`. Results are always in the list's order; `has_more` says
/// whether more items lie beyond the page in the direction of travel (away from the cursor).
/// A cursor must be the id of an object of this very list (same parent, same filter): any other
/// id, including a deleted object's, is an `invalid` error naming `after` or `before`.
///
/// Order is insertion order (`seq`). A page is one statement: a cursor resolves to its `seq` in a
/// scalar subquery through the id's unique index, and the page is a range scan on an index
/// `(parent, seq)` from there: page 10,000 costs what page 1 costs, and one statement is one read
/// transaction (SQLite's locks and checks once a page). A cursor that names nothing resolves to
/// NULL and the page comes back empty; only then are the cursors looked up alone, to tell an
/// empty page from a bad cursor.
struct ListSpec {
    /// The table and the columns selected for each item (read by the item closure); the first
    /// column is the item's id.
    let table: String
    let columns: String
    /// The column holding the item's id (what cursors name).
    let idColumn: String
    /// Conditions whose `?`s are bound to the values given to `page`, in the same order.
    let filters: [String]
    /// For errors: "message", "run"…
    let noun: String
    /// Resolves a cursor id to its `seq`, within the list's filters.
    let cursorSQL: String
    /// The page statement for each shape of request (`Shape.index`), written once.
    private let pageSQLs: [String]

    init(table: String, columns: String, idColumn: String, filters: [String], noun: String) {
        self.table = table
        self.columns = columns
        self.idColumn = idColumn
        self.filters = filters
        self.noun = noun
        let filter = filters.isEmpty ? "1" : filters.joined(separator: " AND ")
        cursorSQL = "SELECT seq FROM \(table) WHERE \(idColumn) = ? AND \(filter)"
        pageSQLs = Shape.all.map { [cursorSQL] shape in
            // Parameters: the filter values, then the `after` cursor and the filter values again
            // (its subquery), the same for `before` (each only when given), then the limit.
            var conditions = filters
            if shape.after { conditions.append("seq \(shape.descending ? "<" : ">") (\(cursorSQL))") }
            if shape.before { conditions.append("seq \(shape.descending ? ">" : "<") (\(cursorSQL))") }
            return """
                SELECT \(columns) FROM \(table) \
                WHERE \(conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")) \
                ORDER BY seq \(shape.scanDescending ? "DESC" : "ASC") LIMIT ?
                """
        }
    }

    func pageSQL(_ list: ListParams) -> String { pageSQLs[Shape(list).index] }

    /// What a page's statement depends on: the order and which cursors are given.
    struct Shape {
        let descending: Bool
        let after: Bool
        let before: Bool

        static let all = (0..<8).map { Shape(descending: $0 & 1 != 0, after: $0 & 2 != 0, before: $0 & 4 != 0) }

        init(descending: Bool, after: Bool, before: Bool) {
            (self.descending, self.after, self.before) = (descending, after, before)
        }

        init(_ list: ListParams) { self.init(descending: list.order == .desc, after: list.after != nil, before: list.before != nil) }

        var index: Int { (descending ? 1 : 0) | (after ? 2 : 0) | (before ? 4 : 0) }
        /// `before` alone pages backwards: the scan goes from the cursor towards the list's start.
        var backwards: Bool { before && !after }
        var scanDescending: Bool { descending != backwards }
    }
}

extension Store {
    static let maxListLimit = 100

    /// One page, each item read from its row by `item`.
    func page<Item>(
        _ spec: ListSpec, _ filterValues: [SQLValue], scope: String, _ list: ListParams,
        item: (SQLiteStatement) throws -> (id: String, value: Item)
    ) throws -> ListPage<Item> {
        try page(spec, filterValues, scope: scope, list, value: { try item($0).value })
    }

    /// One page, each item's value read from its row by `value`; the ids (column 0) are read here,
    /// and only the first and last become strings.
    func page<Item>(
        _ spec: ListSpec, _ filterValues: [SQLValue], scope: String, _ list: ListParams,
        value: (SQLiteStatement) throws -> Item
    ) throws -> ListPage<Item> {
        guard (1...Self.maxListLimit).contains(list.limit) else {
            throw APIError.invalid("limit", "must be between 1 and \(Self.maxListLimit) (got \(list.limit))")
        }
        return try withConnection { db in
            let statement = try db.statement(spec.pageSQL(list))
            defer { statement.reset() }
            var binding = CopyingBinder(statement)
            try binding.bind(filterValues)
            for cursor in [list.after, list.before] {
                guard let cursor else { continue }
                try binding.bind(.text(cursor))
                try binding.bind(filterValues)
            }
            try binding.bind(.int(Int64(list.limit + 1)))
            var items: [Item] = []
            items.reserveCapacity(list.limit + 1)
            var firstID: String?
            var lastID: [UInt8] = []
            while try statement.step() {
                if items.count < list.limit {
                    statement.withBytes(0) { id in
                        if items.isEmpty { firstID = String(decoding: id, as: UTF8.self) }
                        lastID.replaceSubrange(lastID.startIndex..., with: id)
                    }
                }
                items.append(try value(statement))
            }
            if items.isEmpty {
                // Empty: the list ends here, or a cursor names nothing (its subquery was NULL).
                for (cursor, param) in [(list.after, "after"), (list.before, "before")] {
                    guard let cursor, try db.scalarInt(spec.cursorSQL, [.text(cursor)] + filterValues) == nil else { continue }
                    throw APIError.invalid(
                        param,
                        "'\(cursor)' is not a \(spec.noun) of \(scope): a cursor must be the id of an object in this list (it may have been deleted)")
                }
            }
            let hasMore = items.count > list.limit
            if hasMore { items.removeLast() }
            var ids = (first: firstID, last: items.isEmpty ? nil : String(decoding: lastID, as: UTF8.self))
            // `before` alone was scanned from the cursor backwards; show it in the list's order.
            if ListSpec.Shape(list).backwards {
                items.reverse()
                ids = (ids.last, ids.first)
            }
            return ListPage(data: items, hasMore: hasMore, firstID: ids.first, lastID: ids.last)
        }
    }
}

/// Binds a statement's parameters in order, one call each, SQLite copying texts (a page's are
/// ids, a few dozen bytes): `SQLiteConnection.query` binds in place through a closure nested per
/// value, which costs a page more than the copies.
private struct CopyingBinder {
    let statement: SQLiteStatement
    private var index: Int32 = 0

    init(_ statement: SQLiteStatement) { self.statement = statement }

    mutating func bind(_ values: [SQLValue]) throws {
        for value in values { try bind(value) }
    }

    mutating func bind(_ value: SQLValue) throws {
        index += 1
        let handle = statement.handle
        let rc: Int32
        switch value {
        case .int(let number): rc = sqlite3_bind_int64(handle, index, number)
        case .null: rc = sqlite3_bind_null(handle, index)
        case .text(let text): rc = sqlite3_bind_text(handle, index, text, Int32(text.utf8.count), transientDestructor)
        case .bytes(let bytes):
            rc = bytes.withUnsafeBytes { [index] buffer in
                // An empty buffer may have no base address, which SQLite would bind as NULL.
                guard let base = buffer.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, transientDestructor) }
                return sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), transientDestructor)
            }
        }
        if rc != SQLITE_OK { throw statement.connection.error(rc, "bind parameter \(index)") }
    }
}
