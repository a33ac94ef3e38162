import JSONCore

/// A step of a run (`step_…`, `object: "thread.run.step"`): a message creation or tool calls.
public struct RunStep: WireObject, Equatable {
    public var id: String
    public var object: String = "thread.run.step"
    public var createdAt: Int64
    public var assistantID: String
    public var threadID: String
    public var runID: String
    public var type: String
    public var status: RunStepStatus
    public var stepDetails: StepDetails
    public var lastError: LastError?
    public var expiredAt: Int64?
    public var cancelledAt: Int64?
    public var failedAt: Int64?
    public var completedAt: Int64?
    public var metadata: [String: String] = [:]
    public var usage: Usage?
    public var requestID: String?

    public static let messageCreation = "message_creation"
    public static let toolCalls = "tool_calls"

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, object, type, status, metadata, usage
        case createdAt = "created_at", assistantID = "assistant_id", threadID = "thread_id", runID = "run_id"
        case stepDetails = "step_details", lastError = "last_error", expiredAt = "expired_at"
        case cancelledAt = "cancelled_at", failedAt = "failed_at", completedAt = "completed_at"
        case requestID = "request_id"
    }

    public init(id: String, createdAt: Int64, assistantID: String, threadID: String, runID: String, details: StepDetails) {
        self.id = id
        self.createdAt = createdAt
        self.assistantID = assistantID
        self.threadID = threadID
        self.runID = runID
        self.type = details.type
        self.status = .inProgress
        self.stepDetails = details
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        object = try c.lenientString(.object) ?? "thread.run.step"
        createdAt = try c.lenientInt(.createdAt) ?? 0
        assistantID = try c.lenientString(.assistantID) ?? ""
        threadID = try c.lenientString(.threadID) ?? ""
        runID = try c.lenientString(.runID) ?? ""
        type = try c.lenientString(.type) ?? ""
        status = RunStepStatus(rawValue: try c.lenientString(.status) ?? "")
        stepDetails = try c.decode(StepDetails.self, forKey: .stepDetails)
        lastError = try c.lenientObject(LastError.self, .lastError) { $0.code.isEmpty && $0.message.isEmpty }
        expiredAt = try c.lenientInt(.expiredAt)
        cancelledAt = try c.lenientInt(.cancelledAt)
        failedAt = try c.lenientInt(.failedAt)
        completedAt = try c.lenientInt(.completedAt)
        metadata = try c.metadata(.metadata)
        usage = try c.lenientObject(Usage.self, .usage) { _ in false }
        requestID = try c.lenientString(.requestID)
    }
}

/// The statuses of a run step. Unknown statuses a newer service may add decode as `.other`.
public enum RunStepStatus: OpenStatus {
    case inProgress, cancelled, failed, completed, expired
    case other(String)

    public init(rawValue: String) {
        switch rawValue {
        case "in_progress": self = .inProgress
        case "cancelled": self = .cancelled
        case "failed": self = .failed
        case "completed": self = .completed
        case "expired": self = .expired
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .inProgress: return "in_progress"
        case .cancelled: return "cancelled"
        case .failed: return "failed"
        case .completed: return "completed"
        case .expired: return "expired"
        case .other(let value): return value
        }
    }
}

/// `{"type":"message_creation","message_creation":{"message_id"}}` or
/// `{"type":"tool_calls","tool_calls":[…]}`.
public struct StepDetails: Codable, Sendable, Equatable {
    public var type: String
    public var messageCreation: MessageCreation?
    public var toolCalls: [ToolCall]?

    public struct MessageCreation: Codable, Sendable, Equatable {
        public var messageID: String
        public enum CodingKeys: String, CodingKey { case messageID = "message_id" }
        public init(messageID: String) { self.messageID = messageID }
    }

    public enum CodingKeys: String, CodingKey {
        case type
        case messageCreation = "message_creation", toolCalls = "tool_calls"
    }

    public static func messageCreation(messageID: String) -> StepDetails {
        StepDetails(type: RunStep.messageCreation, messageCreation: MessageCreation(messageID: messageID), toolCalls: nil)
    }

    public static func toolCalls(_ calls: [ToolCall]) -> StepDetails {
        StepDetails(type: RunStep.toolCalls, messageCreation: nil, toolCalls: calls)
    }
}

/// One tool call: `{"id","type":"function","function":{"name","arguments","output"}}`, or a
/// built-in's `{"type":"quark_search","quark_search":{"arguments","output"}}` kept as given.
public struct ToolCall: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var function: FunctionCall?
    /// For built-in tools: the object under the key named by `type`.
    public var builtin: JSONValue?

    public init(id: String, function: FunctionCall) {
        self.id = id
        self.type = "function"
        self.function = function
    }

    public init(id: String, type: String, builtin: JSONValue) {
        self.id = id
        self.type = type
        self.builtin = builtin
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        id = try c.lenientString(Key("id")) ?? ""
        type = try c.lenientString(Key("type")) ?? "function"
        if type == "function" {
            function = try c.decodeIfPresent(FunctionCall.self, forKey: Key("function"))
        } else {
            builtin = try c.decodeIfPresent(JSONValue.self, forKey: Key(type))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: Key("id"))
        try c.encode(type, forKey: Key("type"))
        if let function { try c.encode(function, forKey: Key("function")) }
        if let builtin { try c.encode(builtin, forKey: Key(type)) }
    }
}

public struct FunctionCall: Codable, Sendable, Equatable {
    public var name: String
    /// The arguments as a JSON text, as the model produced them.
    public var arguments: String
    public var output: String?

    enum CodingKeys: String, CodingKey { case name, arguments, output }

    public init(name: String, arguments: String, output: String? = nil) {
        self.name = name
        self.arguments = arguments
        self.output = output
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(arguments, forKey: .arguments)
        try c.encode(output, forKey: .output)  // null until submitted, as the service shows it
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        arguments = try c.decodeIfPresent(String.self, forKey: .arguments) ?? ""
        output = try c.decodeIfPresent(String.self, forKey: .output)
    }
}

extension ToolCall {
    /// A call of a built-in tool, in the service's shape `{"type": T, T: {"arguments", "output"}}`.
    public init(id: String, builtinType: String, arguments: String) {
        self.init(id: id, type: builtinType, builtin: ["arguments": .string(arguments), "output": .null])
    }

    /// The function's name, or the built-in tool's type.
    public var name: String { function?.name ?? type }

    public var arguments: String { function?.arguments ?? builtin?["arguments"]?.stringValue ?? "" }

    public var output: String? {
        get { function?.output ?? builtin?["output"]?.stringValue }
        set {
            if function != nil {
                function?.output = newValue
            } else {
                var object = builtin?.objectValue ?? [:]
                object["output"] = newValue.map(JSONValue.string) ?? .null
                builtin = .object(object)
            }
        }
    }
}
