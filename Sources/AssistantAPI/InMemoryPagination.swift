/// Cursor pagination over a list already in memory, in insertion order (a message's `file_ids`,
/// the hosted backend's thread index), with the semantics of the local store's lists: `order`,
/// `after`/`before` cursors that must name an item of the list, `has_more` in the direction of
/// travel.
public func pageInMemory<Item>(
    _ items: [Item], id: (Item) -> String, noun: String, scope: String, _ list: ListParams
) throws -> ListPage<Item> {
    guard (1...ListParams.maxLimit).contains(list.limit) else {
        throw APIError.invalid("limit", "must be between 1 and \(ListParams.maxLimit) (got \(list.limit))")
    }
    func resolve(_ cursor: String, _ param: String) throws -> Int {
        guard let index = items.firstIndex(where: { id($0) == cursor }) else {
            throw APIError.invalid(
                param, "'\(cursor)' is not a \(noun) of \(scope): a cursor must be the id of an object in this list")
        }
        return index
    }
    // Positions in insertion order; the list's order decides which side "after" means.
    var range = 0..<items.count
    let descending = list.order == .desc
    if let after = list.after {
        let index = try resolve(after, "after")
        range = descending ? range.clamped(to: 0..<index) : range.clamped(to: (index + 1)..<items.count)
    }
    if let before = list.before {
        let index = try resolve(before, "before")
        range = descending ? range.clamped(to: (index + 1)..<items.count) : range.clamped(to: 0..<index)
    }
    var ordered = Array(items[range])
    if descending { ordered.reverse() }
    let backwards = list.before != nil && list.after == nil
    let page: [Item]
    let hasMore = ordered.count > list.limit
    if backwards {
        page = Array(ordered.suffix(list.limit))
    } else {
        page = Array(ordered.prefix(list.limit))
    }
    return ListPage(data: page, hasMore: hasMore, firstID: page.first.map(id), lastID: page.last.map(id))
}
