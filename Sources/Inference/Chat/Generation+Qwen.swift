extension GenerationJob {
    /// Qwen2.5's tool format. `auto`: the model's own first tokens decide; a `<tool_call>`
    /// token (at the start or after some text) begins a call. `required` and a named
    /// function force `<tool_call>`. Inside a call everything is constrained: the header,
    /// a declared name, arguments valid under its schema, and the closing `}\n</tool_call>`.
    mutating func generateQwenTools(_ qwen: QwenChatPrompt) throws -> GenerationStopReason {
        let named: String?
        switch toolChoice {
        case let .function(name):
            named = name
            try accept(qwen.toolCallStart)
        case .required:
            named = nil
            try accept(qwen.toolCallStart)
        case .auto, .none:
            named = nil
            switch try generateText(callStart: qwen.toolCallStart) {
            case let .ended(reason): return reason
            case .toolCallStarted: break
            }
        }
        guard let call = try generateQwenCall(qwen, named: named) else { return .length }
        emit(.toolCall(call))
        return .toolCalls
    }

    /// After `<tool_call>`: `\n{"name": "<name>", "arguments": {…}}\n</tool_call>`.
    private mutating func generateQwenCall(_ qwen: QwenChatPrompt, named: String?) throws -> GeneratedToolCall? {
        guard budgetLeft > 0 else { return nil }
        try force("\n{\"name\": \"")
        let name: String
        let separator = "\", \"arguments\": "
        if let named {
            try force(named + separator)
            name = named
        } else {
            let names = tools.map(\.name)
            guard let i = try choose(names.map { $0 + separator }) else { return nil }
            name = names[i]
        }
        guard let call = try generateArguments(for: name, lead: "") else { return nil }
        // The closing text is forced even past the budget, so the call is complete.
        try force("}\n")
        try accept(qwen.toolCallEnd)
        return call
    }
}
