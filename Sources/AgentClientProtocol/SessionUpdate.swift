import JSONCore

/// The `session/update` notifications assistd sends, as ACP spells them.
enum SessionUpdate {
    static let method = "session/update"

    static func params(session: String, _ update: JSONObject) -> JSONValue {
        ["sessionId": .string(session), "update": .object(update)]
    }

    static func agentText(_ text: String) -> JSONObject {
        ["sessionUpdate": "agent_message_chunk", "content": ["type": "text", "text": .string(text)]]
    }

    static func userText(_ text: String) -> JSONObject {
        ["sessionUpdate": "user_message_chunk", "content": ["type": "text", "text": .string(text)]]
    }

    /// A new tool call, `pending` until it runs; `content` as ACP's tool call content (a diff).
    static func toolCall(id: String, title: String, kind: String, rawInput: JSONValue, locations: [String] = [], content: [JSONValue] = []) -> JSONObject {
        var update: JSONObject = [
            "sessionUpdate": "tool_call", "toolCallId": .string(id), "title": .string(title), "kind": .string(kind),
            "status": "pending", "rawInput": rawInput,
        ]
        if !locations.isEmpty { update["locations"] = .array(locations.map { ["path": .string($0)] }) }
        if !content.isEmpty { update["content"] = .array(content) }
        return update
    }

    /// The editor's own view of a change to a file (`oldText` null: a new file).
    static func diff(path: String, oldText: String?, newText: String) -> JSONValue {
        ["type": "diff", "path": .string(path), "oldText": oldText.map { .string($0) } ?? .null, "newText": .string(newText)]
    }

    /// The live output of a client's terminal, while a command runs.
    static func terminal(id: String, terminalID: String) -> JSONObject {
        ["sessionUpdate": "tool_call_update", "toolCallId": .string(id), "content": [["type": "terminal", "terminalId": .string(terminalID)]]]
    }

    /// A change of a tool call's status; `output`, when given, is shown as its text content
    /// (or `blocks`, content blocks, when there are some).
    static func toolCallStatus(id: String, status: String, output: String? = nil, blocks: [JSONValue] = []) -> JSONObject {
        var update: JSONObject = ["sessionUpdate": "tool_call_update", "toolCallId": .string(id), "status": .string(status)]
        if let output {
            let shown = blocks.isEmpty ? [["type": "text", "text": .string(output)]] : blocks
            update["content"] = .array(shown.map { ["type": "content", "content": $0] })
            update["rawOutput"] = ["output": .string(output)]
        }
        return update
    }

    static func availableCommands(_ commands: [SlashCommand]) -> JSONObject {
        ["sessionUpdate": "available_commands_update", "availableCommands": .array(commands.map(\.json))]
    }
}
