import AssistantAPI
import JSONCore

extension OpenAIChatModel {
    /// Builds the JSON body of a streamed `/chat/completions` request from a `ChatRequest`.
    struct RequestBody {
        var request: ChatRequest
        var serverModel: String
        var includeUsage: Bool
        var sendTopK: Bool

        var json: JSONValue {
            var body: JSONObject = [
                "model": .string(serverModel),
                "messages": .array(request.messages.map(Self.message)),
                "stream": true,
            ]
            if includeUsage { body["stream_options"] = ["include_usage": true] }
            // Servers reject `tool_choice` without `tools`, so both go together or not at all.
            if !request.tools.isEmpty {
                body["tools"] = .array(request.tools.map(Self.tool))
                if let toolChoice = request.toolChoice { body["tool_choice"] = toolChoice.json }
            }
            if let temperature = request.temperature { body["temperature"] = .double(temperature) }
            if let topP = request.topP { body["top_p"] = .double(topP) }
            if let maxTokens = request.maxTokens { body["max_tokens"] = .int(Int64(maxTokens)) }
            if sendTopK, let topK = request.topK { body["top_k"] = .int(Int64(topK)) }
            return .object(body)
        }

        static func message(_ message: ChatMessage) -> JSONValue {
            var object: JSONObject = ["role": .string(message.role.rawValue)]
            switch message.role {
            case .system, .user:
                object["content"] = .string(message.content)
            case .assistant:
                // OpenAI wants `content: null` (not "") on an assistant message that only called tools.
                object["content"] = message.content.isEmpty && !message.toolCalls.isEmpty ? .null : .string(message.content)
                if !message.toolCalls.isEmpty {
                    object["tool_calls"] = .array(message.toolCalls.map(Self.toolCall))
                }
            case .tool:
                object["content"] = .string(message.content)
                object["tool_call_id"] = .string(message.toolCallID ?? "")
            }
            return .object(object)
        }

        static func toolCall(_ call: ChatToolCall) -> JSONValue {
            [
                "id": .string(call.id),
                "type": "function",
                "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
            ]
        }

        static func tool(_ definition: FunctionDefinition) -> JSONValue {
            var function: JSONObject = ["name": .string(definition.name)]
            if let description = definition.description { function["description"] = .string(description) }
            // Some servers (vLLM, llama.cpp) fail on a function without a parameters schema.
            function["parameters"] = definition.parameters ?? ["type": "object", "properties": [:]]
            return ["type": "function", "function": .object(function)]
        }
    }
}
