import JSONCore

/// A message in a thread (`message_…`, `object: "thread.message"`).
public struct Message: WireObject, Equatable {
    public var id: String
    public var object: String = "thread.message"
    public var createdAt: Int64
    public var threadID: String
    public var role: String
    public var content: [ContentPart] = []
    /// The service writes `""` (not null) on messages a user created.
    public var assistantID: String? = ""
    public var runID: String? = ""
    public var fileIDs: [String] = []
    public var metadata: [String: String] = [:]
    public var status: MessageStatus? = .unset
    public var incompleteDetails: IncompleteDetails?
    public var completedAt: Int64?
    public var incompleteAt: Int64?
    public var requestID: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, object, role, content, metadata, status
        case createdAt = "created_at", threadID = "thread_id", assistantID = "assistant_id", runID = "run_id"
        case fileIDs = "file_ids", incompleteDetails = "incomplete_details", completedAt = "completed_at"
        case incompleteAt = "incomplete_at", requestID = "request_id"
    }

    public init(id: String, createdAt: Int64, threadID: String, role: String, content: [ContentPart]) {
        self.id = id
        self.createdAt = createdAt
        self.threadID = threadID
        self.role = role
        self.content = content
    }

    /// Lenient: user messages from the service carry `""` ids, `{}` for no incomplete details,
    /// and fields (`name`, `plugin_call`, `tool_calls`) this type does not keep.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        object = try c.lenientString(.object) ?? "thread.message"
        createdAt = try c.lenientInt(.createdAt) ?? 0
        threadID = try c.lenientString(.threadID) ?? ""
        role = try c.lenientString(.role) ?? ""
        content = try c.list(ContentPart.self, .content)
        assistantID = try c.lenientString(.assistantID)
        runID = try c.lenientString(.runID)
        fileIDs = try c.list(String.self, .fileIDs)
        metadata = try c.metadata(.metadata)
        status = try c.lenientString(.status).map(MessageStatus.init(rawValue:))
        incompleteDetails = try c.lenientObject(IncompleteDetails.self, .incompleteDetails) { $0.reason == nil }
        completedAt = try c.lenientInt(.completedAt)
        incompleteAt = try c.lenientInt(.incompleteAt)
        requestID = try c.lenientString(.requestID)
    }

    /// The concatenated text of the text parts.
    public var text: String {
        content.compactMap { $0.text?.value }.joined()
    }
}

/// The statuses of a message: `in_progress`, `incomplete` or `completed` for assistant messages;
/// the service writes `""` (`.unset`) on messages a user created. Unknown statuses decode as `.other`.
public enum MessageStatus: OpenStatus {
    case unset, inProgress, incomplete, completed
    case other(String)

    public init(rawValue: String) {
        switch rawValue {
        case "": self = .unset
        case "in_progress": self = .inProgress
        case "incomplete": self = .incomplete
        case "completed": self = .completed
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .unset: return ""
        case .inProgress: return "in_progress"
        case .incomplete: return "incomplete"
        case .completed: return "completed"
        case .other(let value): return value
        }
    }
}

public struct IncompleteDetails: Codable, Sendable, Equatable {
    public var reason: String?
    public init(reason: String?) { self.reason = reason }
}

/// One part of a message's content: text (with annotations, always `[]` on this service) or an image file.
public struct ContentPart: Codable, Sendable, Equatable {
    public var type: String
    public var text: TextContent?
    public var imageFile: ImageFile?

    public enum CodingKeys: String, CodingKey {
        case type, text
        case imageFile = "image_file"
    }

    public static func text(_ value: String) -> ContentPart {
        ContentPart(type: "text", text: TextContent(value: value))
    }

    public init(type: String, text: TextContent? = nil, imageFile: ImageFile? = nil) {
        self.type = type
        self.text = text
        self.imageFile = imageFile
    }
}

public struct TextContent: Codable, Sendable, Equatable {
    public var value: String
    public var annotations: [JSONValue] = []

    public init(value: String, annotations: [JSONValue] = []) {
        self.value = value
        self.annotations = annotations
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        value = try container.decodeIfPresent(String.self, forKey: .value) ?? ""
        annotations = try container.decodeIfPresent([JSONValue].self, forKey: .annotations) ?? []
    }
}

public struct ImageFile: Codable, Sendable, Equatable {
    public var fileID: String
    public enum CodingKeys: String, CodingKey { case fileID = "file_id" }
    public init(fileID: String) { self.fileID = fileID }
}

/// `thread.message.delta`: `{id, object, delta: {role, content: [text part], file_ids}}`.
public struct MessageDelta: WireObject, Equatable {
    public var id: String
    public var object: String = "thread.message.delta"
    public var delta: Delta

    public struct Delta: Codable, Sendable, Equatable {
        public var role: String
        public var content: [IndexedContentPart]
        public var fileIDs: [String] = []
        public enum CodingKeys: String, CodingKey {
            case role, content
            case fileIDs = "file_ids"
        }
    }

    public struct IndexedContentPart: Codable, Sendable, Equatable {
        public var index: Int
        public var type: String
        public var text: TextContent

        /// The service's deltas carry no `index` (one part per delta): it defaults to 0.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            index = try c.decodeIfPresent(Int.self, forKey: .index) ?? 0
            type = try c.decodeIfPresent(String.self, forKey: .type) ?? "text"
            text = try c.decodeIfPresent(TextContent.self, forKey: .text) ?? TextContent(value: "")
        }

        public init(index: Int, type: String, text: TextContent) {
            self.index = index
            self.type = type
            self.text = text
        }
    }

    public enum CodingKeys: String, CodingKey, CaseIterable { case id, object, delta }

    public init(messageID: String, text: String, index: Int = 0) {
        id = messageID
        delta = Delta(
            role: "assistant",
            content: [IndexedContentPart(index: index, type: "text", text: TextContent(value: text))])
    }
}
