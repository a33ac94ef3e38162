import AssistantAPI

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
/// Order is insertion order (`seq`). A cursor resolves to its `seq` through the id's unique
/// index, then the page is a range scan on an index `(parent, seq)`: page 10,000 costs what page
/// 1 costs.
struct ListSpec {
    /// The table and the columns selected for each item (read by the item closure).
    let table: String
    let columns: String
    /// The column holding the item's id (what cursors name).
    let idColumn: String
    /// Conditions whose `?`s are bound to the values given to `page`, in the same order.
    let filters: [String]
    /// For errors: "message", "run"…
    let noun: String
}

extension Store {
    static let maxListLimit = 100

    /// Resolves a cursor id to its `seq`, within the list's filters.
    static func cursorSQL(_ spec: ListSpec) -> String {
        let filters = spec.filters.isEmpty ? "1" : spec.filters.joined(separator: " AND ")
        return "SELECT seq FROM \(spec.table) WHERE \(spec.idColumn) = ? AND \(filters)"
    }

    /// One page: parameters are the filter values, then the `after` seq, the `before` seq (each
    /// only when given), then the limit (one more than asked, to learn `has_more`).
    static func pageSQL(_ spec: ListSpec, _ list: ListParams) -> String {
        var conditions = spec.filters
        let descending = list.order == .desc
        if list.after != nil { conditions.append(descending ? "seq < ?" : "seq > ?") }
        if list.before != nil { conditions.append(descending ? "seq > ?" : "seq < ?") }
        // `before` alone pages backwards: scan from the cursor towards the list's start.
        let backwards = list.before != nil && list.after == nil
        let scanDescending = descending != backwards
        return """
            SELECT \(spec.columns) FROM \(spec.table) \
            WHERE \(conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")) \
            ORDER BY seq \(scanDescending ? "DESC" : "ASC") LIMIT ?
            """
    }

    func page<Item>(
        _ spec: ListSpec, _ filterValues: [SQLValue], scope: String, _ list: ListParams,
        item: (SQLiteStatement) throws -> (id: String, value: Item)
    ) throws -> ListPage<Item> {
        guard (1...Self.maxListLimit).contains(list.limit) else {
            throw APIError.invalid("limit", "must be between 1 and \(Self.maxListLimit) (got \(list.limit))")
        }
        return try withConnection { db in
            let cursorSQL = Self.cursorSQL(spec)
            func resolve(_ cursor: String, _ param: String) throws -> Int64 {
                guard let seq = try db.scalarInt(cursorSQL, [.text(cursor)] + filterValues) else {
                    throw APIError.invalid(
                        param,
                        "'\(cursor)' is not a \(spec.noun) of \(scope): a cursor must be the id of an object in this list (it may have been deleted)")
                }
                return seq
            }
            var values = filterValues
            if let after = list.after { values.append(.int(try resolve(after, "after"))) }
            if let before = list.before { values.append(.int(try resolve(before, "before"))) }
            values.append(.int(Int64(list.limit + 1)))
            var items: [(id: String, value: Item)] = []
            try db.query(Self.pageSQL(spec, list), values) { row in items.append(try item(row)) }
            let hasMore = items.count > list.limit
            if hasMore { items.removeLast() }
            // `before` alone was scanned from the cursor backwards; show it in the list's order.
            if list.before != nil && list.after == nil { items.reverse() }
            return ListPage(data: items.map(\.value), hasMore: hasMore, firstID: items.first?.id, lastID: items.last?.id)
        }
    }
}
