/// An assistant: a model with instructions and tools (`asst_…`).
public struct Assistant: WireObject, Equatable {
    public var id: String
    public var object: String = "assistant"
    public var createdAt: Int64
    public var model: String
    public var name: String?
    public var description: String?
    public var instructions: String?
    public var tools: [Tool] = []
    public var fileIDs: [String] = []
    public var metadata: [String: String] = [:]
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var maxTokens: Int?
    public var requestID: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, object, model, name, description, instructions, tools, metadata, temperature
        case createdAt = "created_at", fileIDs = "file_ids", topP = "top_p", topK = "top_k"
        case maxTokens = "max_tokens", requestID = "request_id"
    }

    public init(id: String, createdAt: Int64, model: String) {
        self.id = id
        self.createdAt = createdAt
        self.model = model
    }

    /// Lenient, like the other objects: the service may write `null` (or nothing) for any field.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        object = try c.lenientString(.object) ?? "assistant"
        createdAt = try c.lenientInt(.createdAt) ?? 0
        model = try c.lenientString(.model) ?? ""
        name = try c.lenientString(.name)
        description = try c.lenientString(.description)
        instructions = try c.lenientString(.instructions)
        tools = try c.list(Tool.self, .tools)
        fileIDs = try c.list(String.self, .fileIDs)
        metadata = try c.metadata(.metadata)
        temperature = try c.lenientDouble(.temperature)
        topP = try c.lenientDouble(.topP)
        topK = try c.lenientInt(.topK).map(Int.init)
        maxTokens = try c.lenientInt(.maxTokens).map(Int.init)
        requestID = try c.lenientString(.requestID)
    }
}

/// The answer to a delete: `{"id", "object": "assistant.deleted", "deleted": true}`.
public struct DeletionStatus: WireObject, Equatable {
    public var id: String
    public var object: String
    public var deleted: Bool
    public var requestID: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, object, deleted
        case requestID = "request_id"
    }

    public init(id: String, object: String, deleted: Bool = true) {
        self.id = id
        self.object = object
        self.deleted = deleted
    }
}

/// A file attached to an assistant (`object: "assistant.file"`).
public struct AssistantFile: WireObject, Equatable {
    public var id: String
    public var object: String = "assistant.file"
    public var createdAt: Int64
    public var assistantID: String
    public var requestID: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, object
        case createdAt = "created_at", assistantID = "assistant_id", requestID = "request_id"
    }

    public init(id: String, createdAt: Int64, assistantID: String) {
        self.id = id
        self.createdAt = createdAt
        self.assistantID = assistantID
    }
}

/// A file attached to a message (`object: "thread.message.file"`).
public struct MessageFile: WireObject, Equatable {
    public var id: String
    public var object: String = "thread.message.file"
    public var createdAt: Int64
    public var messageID: String
    public var requestID: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, object
        case createdAt = "created_at", messageID = "message_id", requestID = "request_id"
    }

    public init(id: String, createdAt: Int64, messageID: String) {
        self.id = id
        self.createdAt = createdAt
        self.messageID = messageID
    }
}
