import JSONCore

/// The list envelope: `{"object":"list","data":[…],"first_id","last_id","has_more"}`.
public struct ListPage<Item: Codable & Sendable>: Codable, Sendable {
    public var object: String = "list"
    public var data: [Item]
    public var firstID: String?
    public var lastID: String?
    public var hasMore: Bool
    public var requestID: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case object, data
        case firstID = "first_id", lastID = "last_id", hasMore = "has_more", requestID = "request_id"
    }

    public init(data: [Item], hasMore: Bool, firstID: String?, lastID: String?) {
        self.data = data
        self.hasMore = hasMore
        self.firstID = firstID
        self.lastID = lastID
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(object, forKey: .object)
        try c.encode(data, forKey: .data)
        try c.encode(firstID, forKey: .firstID)
        try c.encode(lastID, forKey: .lastID)
        try c.encode(hasMore, forKey: .hasMore)
        try c.encodeIfPresent(requestID, forKey: .requestID)
    }
}

extension ListPage: WireObject {}

extension ListPage {
    /// The page with each item written out as the page's JSON carries it.
    public func serializingItems() throws -> ListPage<SerializedJSON> {
        var page = ListPage<SerializedJSON>(
            data: try data.map { SerializedJSON(try JSONValue(encoding: $0)) }, hasMore: hasMore, firstID: firstID, lastID: lastID)
        page.object = object
        page.requestID = requestID
        return page
    }
}
