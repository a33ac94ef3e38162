/// A conversation thread (`thread_…`). Named so as not to collide with Foundation's `Thread`.
public struct ThreadObject: WireObject, Equatable {
    public var id: String
    public var object: String = "thread"
    public var createdAt: Int64
    public var metadata: [String: String] = [:]
    public var requestID: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, object, metadata
        case createdAt = "created_at", requestID = "request_id"
    }

    public init(id: String, createdAt: Int64, metadata: [String: String] = [:]) {
        self.id = id
        self.createdAt = createdAt
        self.metadata = metadata
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        object = try c.lenientString(.object) ?? "thread"
        createdAt = try c.lenientInt(.createdAt) ?? 0
        metadata = try c.metadata(.metadata)
        requestID = try c.lenientString(.requestID)
    }
}
