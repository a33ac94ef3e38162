import JSONCore

/// The statuses of a run. Unknown statuses a newer service may add decode as `.other`.
public enum RunStatus: OpenStatus {
    case queued, inProgress, requiresAction, cancelling, cancelled, failed, completed, expired, incomplete
    case other(String)

    public init(rawValue: String) {
        switch rawValue {
        case "queued": self = .queued
        case "in_progress": self = .inProgress
        case "requires_action": self = .requiresAction
        case "cancelling": self = .cancelling
        case "cancelled": self = .cancelled
        case "failed": self = .failed
        case "completed": self = .completed
        case "expired": self = .expired
        case "incomplete": self = .incomplete
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .queued: return "queued"
        case .inProgress: return "in_progress"
        case .requiresAction: return "requires_action"
        case .cancelling: return "cancelling"
        case .cancelled: return "cancelled"
        case .failed: return "failed"
        case .completed: return "completed"
        case .expired: return "expired"
        case .incomplete: return "incomplete"
        case .other(let value): return value
        }
    }

    /// No further change will happen.
    public var isTerminal: Bool {
        switch self {
        case .cancelled, .failed, .completed, .expired, .incomplete: return true
        default: return false
        }
    }

    /// The run holds its thread's lock (no new run, no new message).
    public var isActive: Bool {
        switch self {
        case .queued, .inProgress, .requiresAction, .cancelling: return true
        default: return false
        }
    }
}

/// A run of an assistant on a thread (`run_…`, `object: "thread.run"`).
public struct Run: WireObject, Equatable {
    public var id: String
    public var object: String = "thread.run"
    public var createdAt: Int64
    public var threadID: String
    public var assistantID: String
    public var status: RunStatus
    public var requiredAction: RequiredAction?
    public var lastError: LastError?
    public var expiresAt: Int64?
    public var startedAt: Int64?
    public var cancelledAt: Int64?
    public var failedAt: Int64?
    public var completedAt: Int64?
    public var incompleteDetails: IncompleteDetails?
    public var model: String
    public var instructions: String?
    public var tools: [Tool] = []
    public var fileIDs: [String] = []
    public var metadata: [String: String] = [:]
    public var usage: Usage?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var maxTokens: Int?
    public var truncationStrategy: TruncationStrategy?
    public var toolChoice: ToolChoice?
    public var requestID: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, object, status, model, instructions, tools, metadata, usage, temperature
        case createdAt = "created_at", threadID = "thread_id", assistantID = "assistant_id"
        case requiredAction = "required_action", lastError = "last_error", expiresAt = "expires_at"
        case startedAt = "started_at", cancelledAt = "cancelled_at", failedAt = "failed_at"
        case completedAt = "completed_at", incompleteDetails = "incomplete_details", fileIDs = "file_ids"
        case topP = "top_p", topK = "top_k", maxTokens = "max_tokens"
        case truncationStrategy = "truncation_strategy", toolChoice = "tool_choice", requestID = "request_id"
    }

    public init(id: String, createdAt: Int64, threadID: String, assistantID: String, status: RunStatus, model: String) {
        self.id = id
        self.createdAt = createdAt
        self.threadID = threadID
        self.assistantID = assistantID
        self.status = status
        self.model = model
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        object = try c.lenientString(.object) ?? "thread.run"
        createdAt = try c.lenientInt(.createdAt) ?? 0
        threadID = try c.lenientString(.threadID) ?? ""
        assistantID = try c.lenientString(.assistantID) ?? ""
        status = RunStatus(rawValue: try c.lenientString(.status) ?? "")
        requiredAction = try c.lenientObject(RequiredAction.self, .requiredAction) { $0.submitToolOutputs == nil }
        lastError = try c.lenientObject(LastError.self, .lastError) { $0.code.isEmpty && $0.message.isEmpty }
        expiresAt = try c.lenientInt(.expiresAt)
        startedAt = try c.lenientInt(.startedAt)
        cancelledAt = try c.lenientInt(.cancelledAt)
        failedAt = try c.lenientInt(.failedAt)
        completedAt = try c.lenientInt(.completedAt)
        incompleteDetails = try c.lenientObject(IncompleteDetails.self, .incompleteDetails) { $0.reason == nil }
        model = try c.lenientString(.model) ?? ""
        instructions = try c.lenientString(.instructions)
        tools = try c.list(Tool.self, .tools)
        fileIDs = try c.list(String.self, .fileIDs)
        metadata = try c.metadata(.metadata)
        usage = try c.lenientObject(Usage.self, .usage) { _ in false }
        temperature = try c.lenientDouble(.temperature)
        topP = try c.lenientDouble(.topP)
        topK = try c.lenientInt(.topK).map(Int.init)
        maxTokens = try c.lenientInt(.maxTokens).map(Int.init)
        truncationStrategy = try c.lenientObject(TruncationStrategy.self, .truncationStrategy) { _ in false }
        toolChoice = try c.decodeIfPresent(ToolChoice.self, forKey: .toolChoice)
        requestID = try c.lenientString(.requestID)
    }
}

/// `{"type":"submit_tool_outputs","submit_tool_outputs":{"tool_calls":[…]}}`.
public struct RequiredAction: Codable, Sendable, Equatable {
    public var type: String = "submit_tool_outputs"
    public var submitToolOutputs: SubmitToolOutputs?

    public struct SubmitToolOutputs: Codable, Sendable, Equatable {
        public var toolCalls: [ToolCall]
        public enum CodingKeys: String, CodingKey { case toolCalls = "tool_calls" }
        public init(toolCalls: [ToolCall]) { self.toolCalls = toolCalls }
    }

    public enum CodingKeys: String, CodingKey {
        case type
        case submitToolOutputs = "submit_tool_outputs"
    }

    public init(toolCalls: [ToolCall]) {
        submitToolOutputs = SubmitToolOutputs(toolCalls: toolCalls)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? "submit_tool_outputs"
        submitToolOutputs = try c.decodeIfPresent(SubmitToolOutputs.self, forKey: .submitToolOutputs)
    }
}

/// `{code, message}`; codes are `server_error`, `rate_limit_exceeded` or `invalid_prompt`.
public struct LastError: Codable, Sendable, Equatable {
    public var code: String
    public var message: String

    public static let serverError = "server_error"
    public static let rateLimitExceeded = "rate_limit_exceeded"
    public static let invalidPrompt = "invalid_prompt"

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decodeIfPresent(String.self, forKey: .code) ?? ""
        message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
    }
}

/// Token counts. The service writes `input_tokens`/`output_tokens`; OpenAI-style clients read
/// `prompt_tokens`/`completion_tokens`: both pairs are written.
public struct Usage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int

    public enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
        case inputTokens = "input_tokens", outputTokens = "output_tokens"
    }

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        totalTokens = promptTokens + completionTokens
    }

    public static func + (lhs: Usage, rhs: Usage) -> Usage {
        Usage(promptTokens: lhs.promptTokens + rhs.promptTokens, completionTokens: lhs.completionTokens + rhs.completionTokens)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        promptTokens = try c.decodeIfPresent(Int.self, forKey: .promptTokens)
            ?? c.decodeIfPresent(Int.self, forKey: .inputTokens) ?? 0
        completionTokens = try c.decodeIfPresent(Int.self, forKey: .completionTokens)
            ?? c.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0
        totalTokens = try c.decodeIfPresent(Int.self, forKey: .totalTokens) ?? (promptTokens + completionTokens)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(promptTokens, forKey: .promptTokens)
        try c.encode(completionTokens, forKey: .completionTokens)
        try c.encode(totalTokens, forKey: .totalTokens)
        try c.encode(promptTokens, forKey: .inputTokens)
        try c.encode(completionTokens, forKey: .outputTokens)
    }
}

/// `{"type":"auto"}` or `{"type":"last_messages","last_messages":N}`.
public struct TruncationStrategy: Codable, Sendable, Equatable {
    public var type: String
    public var lastMessages: Int?

    public enum CodingKeys: String, CodingKey {
        case type
        case lastMessages = "last_messages"
    }

    public init(type: String, lastMessages: Int? = nil) {
        self.type = type
        self.lastMessages = lastMessages
    }
}

/// `"none" | "auto" | "required"` or `{"type":"function","function":{"name":…}}`.
public enum ToolChoice: Codable, Sendable, Equatable {
    case none, auto, required
    case function(String)

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        switch value {
        case .string("none"): self = .none
        case .string("auto"): self = .auto
        case .string("required"): self = .required
        case .object(let object):
            if let name = object["function"]?["name"]?.stringValue {
                self = .function(name)
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "tool_choice object needs function.name"))
            }
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "tool_choice must be none, auto, required or {type: function, function: {name}}"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }

    public var json: JSONValue {
        switch self {
        case .none: return "none"
        case .auto: return "auto"
        case .required: return "required"
        case .function(let name): return ["type": "function", "function": ["name": .string(name)]]
        }
    }
}
