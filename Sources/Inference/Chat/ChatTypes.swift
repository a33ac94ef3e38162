/// A tool call the model produced (or one from the conversation history).
public struct GeneratedToolCall: Sendable, Equatable {
    /// Caller-assigned id (the engine leaves it empty for new calls).
    public var id: String
    public var name: String
    /// A JSON object as text, valid under the tool's parameters schema.
    public var argumentsJSON: String

    public init(id: String = "", name: String, argumentsJSON: String) {
        self.id = id
        self.name = name
        self.argumentsJSON = argumentsJSON
    }
}

/// One message of the conversation.
public struct ChatTurn: Sendable, Equatable {
    /// "system", "user", "assistant" or "tool".
    public var role: String
    public var content: String
    public var toolCalls: [GeneratedToolCall]?
    public var toolCallID: String?

    public init(role: String, content: String, toolCalls: [GeneratedToolCall]? = nil, toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }
}

/// A function the model may call.
public struct ToolSpec: Sendable, Equatable {
    public var name: String
    public var description: String
    /// The JSON Schema of the arguments object, as JSON text.
    public var parametersJSON: String

    public init(name: String, description: String = "", parametersJSON: String = "{\"type\":\"object\",\"properties\":{}}") {
        self.name = name
        self.description = description
        self.parametersJSON = parametersJSON
    }
}

public enum ToolChoiceMode: Sendable, Equatable {
    /// Never call a tool (tools are not shown to the model).
    case none
    /// The model chooses, under a constraint, between a message and a call.
    case auto
    /// The model must call one of the tools.
    case required
    /// The model must call this tool.
    case function(String)
}

/// Why generation ended.
public enum GenerationStopReason: String, Sendable, Equatable {
    case stop
    case length
    case toolCalls = "tool_calls"
}

public enum GenerationEvent: Sendable, Equatable {
    /// New text; never splits a UTF-8 character.
    case textDelta(String)
    /// A complete call whose arguments parse and validate under the tool's schema.
    case toolCall(GeneratedToolCall)
    case finished(reason: GenerationStopReason, promptTokens: Int, completionTokens: Int)
}
