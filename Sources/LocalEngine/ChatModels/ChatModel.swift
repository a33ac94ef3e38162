import AssistantAPI
import JSONCore

/// A chat model the local engine runs turns against: an OpenAI-compatible server, the
/// scripted test model, or the embedded GGUF model.
public protocol ChatModel: Sendable {
    /// A short description for `initialize` and logs ("openai http://…", "scripted FILE", …).
    var displayName: String { get }
    /// The context window in tokens, for `truncation_strategy: auto`.
    var contextTokens: Int { get }
    /// Streams one assistant turn. Must honour task cancellation promptly, and throw
    /// `ChatModelError` for failures so the run gets the right `last_error.code`.
    func streamTurn(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error>
}

/// One turn's input, already in chat-completions shape.
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var tools: [FunctionDefinition]
    public var toolChoice: ToolChoice?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var maxTokens: Int?

    public init(
        model: String, messages: [ChatMessage], tools: [FunctionDefinition] = [], toolChoice: ToolChoice? = nil,
        temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil, maxTokens: Int? = nil
    ) {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.maxTokens = maxTokens
    }
}

public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case system, user, assistant, tool }
    public var role: Role
    public var content: String
    /// For an assistant message that called tools.
    public var toolCalls: [ChatToolCall]
    /// For a `tool` message: which call this output answers.
    public var toolCallID: String?

    public init(role: Role, content: String, toolCalls: [ChatToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }
}

public struct ChatToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// JSON text.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

public enum FinishReason: String, Sendable, Equatable {
    case stop, length, toolCalls = "tool_calls", contentFilter = "content_filter"
}

/// What a model streams during one turn. Text arrives as deltas; a tool call arrives whole
/// once its fragments are merged; `usage` and `finish` come last (usage may be missing).
public enum ChatEvent: Sendable, Equatable {
    case text(String)
    case toolCall(ChatToolCall)
    case usage(promptTokens: Int, completionTokens: Int)
    case finish(FinishReason)
}

/// A model failure, classified as the run's `last_error.code` needs it.
public struct ChatModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// 429 and the like → `rate_limit_exceeded`.
        case rateLimited
        /// The prompt was refused (context too long, content policy) → `invalid_prompt`.
        case invalidPrompt
        /// 5xx, network failure, timeout, a broken stream → `server_error`.
        case server
        /// The model is not available (not installed, not configured) → `server_error`.
        case unavailable
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public var lastErrorCode: String {
        switch kind {
        case .rateLimited: return LastError.rateLimitExceeded
        case .invalidPrompt: return LastError.invalidPrompt
        case .server, .unavailable: return LastError.serverError
        }
    }
}
