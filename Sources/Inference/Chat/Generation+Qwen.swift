import Foundation

extension GenerationJob {
    /// Qwen2.5's tool format. `auto`: the model's first token decides (see prefersCall); a
    /// text reply may still turn into a call at a `<tool_call>` token. `required` and a named
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
            if try prefersCall(qwen) {
                try accept(qwen.toolCallStart)
            } else {
                switch try generateText(callStart: qwen.toolCallStart, bannedFirst: qwen.objectStarts) {
                case let .ended(reason): return reason
                case .toolCallStarted: break
                }
            }
        }
        guard let call = try generateQwenCall(qwen, named: named) else { return .length }
        emit(.toolCall(call))
        return .toolCalls
    }

    /// Qwen2.5-Coder-0.5B seldom writes `<tool_call>` itself: asked to call, it writes the
    /// call's JSON object, bare or in a ```json fence. So `auto` weighs the first token's
    /// distribution: the probability of `<tool_call>`, of tokens that open a JSON object, and
    /// of "```" followed by "json" (one token of lookahead, then the cache is restored) is the
    /// call's; the rest is a text reply's. The larger wins, and a call must name a declared tool.
    private mutating func prefersCall(_ qwen: QwenChatPrompt) throws -> Bool {
        let probabilities = Self.softmax(logits)
        var call = probabilities[Int(qwen.toolCallStart)]
        for t in qwen.objectStarts { call += probabilities[Int(t)] }
        var text = 1 - call
        if let fence = qwen.fence, probabilities[Int(fence)] > 0.01 {
            let pFence = probabilities[Int(fence)]
            try runner.append([fence])
            let next = Self.softmax(logits)
            let pJSON = qwen.jsonWords.reduce(0) { $0 + next[Int($1)] }
            try InferenceSession(runner: runner).setPrompt(prompt)
            call += pFence * pJSON
            text -= pFence * pJSON
        }
        guard call > text else { return false }
        return try meansADeclaredTool()
    }

    /// Asked something no tool serves, this model still writes a call, to a tool it makes up
    /// ("short joke"). So a call also needs the model to name a declared tool: after the bare
    /// `{"name": "` it writes, the tokens that begin a declared name must hold most of the
    /// probability (one lookahead, then the cache is restored).
    private mutating func meansADeclaredTool() throws -> Bool {
        try runner.append(model.tokenizer.encode("{\"name\": \""))
        let next = Self.softmax(logits)
        let starts = model.masker.allowed(LiteralChoiceMatcher(tools.map { $0.name + "\"" }))
        let declared = starts.reduce(0) { $0 + next[Int($1)] }
        try InferenceSession(runner: runner).setPrompt(prompt)
        return declared > 0.5
    }

    static func softmax(_ logits: UnsafeBufferPointer<Float>) -> [Double] {
        let best = logits.max() ?? 0
        var out = logits.map { Double(exp($0 - best)) }
        let total = out.reduce(0, +)
        for i in out.indices { out[i] /= total }
        return out
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
