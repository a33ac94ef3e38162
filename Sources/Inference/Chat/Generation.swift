import Foundation
import Synchronization

extension LlamaModel {
    /// Streams a chat completion. Runs on its own thread (the model's lock is held
    /// for the whole generation, so concurrent calls queue). Cancelling the
    /// consuming task stops generation before the next token.
    public func generate(turns: [ChatTurn], tools: [ToolSpec] = [], toolChoice: ToolChoiceMode = .auto,
                         sampling: SamplingOptions) -> AsyncThrowingStream<GenerationEvent, Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        let cancelled = CancellationFlag()
        continuation.onTermination = { _ in cancelled.set() }
        let thread = Thread { [self] in
            do {
                try runner.withLock { runner in
                    var job = try GenerationJob(model: self, runner: runner, turns: turns, tools: tools,
                                                toolChoice: toolChoice, sampling: sampling, cancelled: cancelled) {
                        // Nobody listening any more: stop at the next token.
                        if case .terminated = continuation.yield($0) { cancelled.set() }
                    }
                    try job.run()
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        thread.name = "inference-generate"
        thread.stackSize = 4 << 20
        thread.start()
        return stream
    }
}

final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// One generation: prompt, then text or constrained tool calls.
struct GenerationJob {
    /// A 135M model asked whether to call again mostly repeats the same call, so
    /// one call per turn; raise this to allow parallel calls.
    static let maxToolCallsPerTurn = 1

    let model: LlamaModel
    let runner: LlamaRunner
    let tools: [ToolSpec]
    let toolChoice: ToolChoiceMode
    let graphs: [String: SchemaGraph]
    let prompt: [Int32]
    /// The last turn is a tool's result.
    let answersToolResult: Bool
    let cancelled: CancellationFlag
    let emit: (GenerationEvent) -> Void
    var sampler: Sampler
    let maxTokens: Int
    var completionTokens = 0
    /// Set when a call's arguments had to be closed for lack of tokens.
    var closedByBudget = false

    init(model: LlamaModel, runner: LlamaRunner, turns: [ChatTurn], tools: [ToolSpec], toolChoice: ToolChoiceMode,
         sampling: SamplingOptions, cancelled: CancellationFlag, emit: @escaping (GenerationEvent) -> Void) throws {
        guard sampling.maxTokens >= 1 else { throw InferenceError.invalidRequest("max tokens must be at least 1, got \(sampling.maxTokens)") }
        guard sampling.temperature >= 0, sampling.topP > 0, sampling.topP <= 1, sampling.topK >= 0,
              sampling.repetitionPenalty > 0, sampling.repetitionWindow >= 0 else {
            throw InferenceError.invalidRequest(
                "invalid sampling options: temperature must be >= 0, top_p in (0, 1], top_k >= 0, repetition penalty > 0, window >= 0")
        }
        var seen = Set<String>()
        for t in tools {
            guard !t.name.isEmpty, t.name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" || $0 == "-") }) else {
                throw InferenceError.invalidToolSchema(tool: t.name, reason: "tool names must be non-empty and use only ASCII letters, digits, '_' or '-'")
            }
            guard seen.insert(t.name).inserted else { throw InferenceError.invalidRequest("two tools are named '\(t.name)'") }
        }
        if case let .function(name) = toolChoice, !seen.contains(name) { throw InferenceError.unknownTool(name) }
        if toolChoice == .required && tools.isEmpty { throw InferenceError.invalidRequest("tool_choice 'required' needs at least one tool") }
        let active = toolChoice == .none ? [] : tools
        var graphs: [String: SchemaGraph] = [:]
        for t in active { graphs[t.name] = try SchemaGraph(schemaJSON: t.parametersJSON, toolName: t.name) }
        self.model = model
        self.runner = runner
        self.tools = active
        self.toolChoice = toolChoice
        self.graphs = graphs
        if let qwen = model.qwenPrompt {
            self.prompt = try qwen.tokens(turns: turns, tools: active)
        } else {
            self.prompt = try model.chatPrompt.tokens(turns: turns, tools: active)
        }
        self.answersToolResult = turns.last?.role == "tool"
        self.cancelled = cancelled
        self.emit = emit
        self.sampler = Sampler(options: sampling)
        self.maxTokens = sampling.maxTokens
    }

    var budgetLeft: Int { min(maxTokens - completionTokens, runner.contextLength - runner.cachedTokens.count) }

    var logits: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: runner.logits, count: runner.config.vocabularySize)
    }

    func checkCancelled() throws {
        if cancelled.isSet { throw CancellationError() }
    }

    mutating func run() throws {
        guard prompt.count < runner.contextLength else {
            throw InferenceError.contextOverflow(needed: prompt.count + 1, limit: runner.contextLength)
        }
        try InferenceSession(runner: runner).setPrompt(prompt)
        let reason: GenerationStopReason
        if tools.isEmpty, answersToolResult, let qwen = model.qwenPrompt {
            // Answering a result without tools, Qwen's small model echoes its call as JSON; its
            // reply is text, so it may not open with a JSON object, a fence or a call.
            guard case let .ended(end) = try generateText(
                callStart: nil, bannedFirst: qwen.objectStarts + [qwen.toolCallStart] + (qwen.fence.map { [$0] } ?? []))
            else { preconditionFailure("no call token given") }
            reason = end
        } else if tools.isEmpty {
            reason = try generateText()
        } else if let qwen = model.qwenPrompt {
            reason = try generateQwenTools(qwen)
        } else {
            reason = try generateWithTools()
        }
        emit(.finished(reason: reason, promptTokens: prompt.count, completionTokens: completionTokens))
    }

    /// Counts and evaluates a chosen token (its logits become current).
    mutating func accept(_ token: Int32) throws {
        completionTokens += 1
        try runner.append([token])
    }

    mutating func generateText() throws -> GenerationStopReason {
        guard case let .ended(reason) = try generateText(callStart: nil) else { preconditionFailure("no call token given") }
        return reason
    }

    /// How a text reply ended: with a stop reason, or (Qwen's format) at the model's `<tool_call>`.
    enum TextOutcome: Equatable {
        case ended(GenerationStopReason)
        case toolCallStarted
    }

    /// Samples text until a control token or the budget; `callStart` (evaluated when chosen)
    /// ends the text so that a call can follow. Text tokens are penalised for repeating
    /// recent ones (SamplingOptions.repetitionPenalty).
    /// `bannedFirst` may not begin the text.
    mutating func generateText(callStart: Int32?, bannedFirst: [Int32] = []) throws -> TextOutcome {
        var decoder = UTF8StreamDecoder()
        let tokenizer = model.tokenizer
        var recent: [Int32] = []
        while true {
            try checkCancelled()
            guard budgetLeft > 0 else {
                let tail = decoder.finish()
                if !tail.isEmpty { emit(.textDelta(tail)) }
                return .ended(.length)
            }
            RepetitionPenalty.apply(sampler.options, recent: recent, to: runner.logits)
            if recent.isEmpty { for t in bannedFirst { runner.logits[Int(t)] = -.infinity } }
            let token = sampler.sample(logits)
            if token == callStart {
                let tail = decoder.finish()
                if !tail.isEmpty { emit(.textDelta(tail)) }
                try accept(token)
                return .toolCallStarted
            }
            recent.append(token)
            if tokenizer.isControl(token) {
                completionTokens += 1
                let tail = decoder.finish()
                if !tail.isEmpty { emit(.textDelta(tail)) }
                return .ended(.stop)
            }
            let text = decoder.append(tokenizer.bytes(of: token))
            if !text.isEmpty { emit(.textDelta(text)) }
            if budgetLeft == 1 {
                completionTokens += 1
                let tail = decoder.finish()
                if !tail.isEmpty { emit(.textDelta(tail)) }
                return .ended(.length)
            }
            try accept(token)
        }
    }

    /// Evaluates literal text as forced tokens.
    mutating func force(_ text: String) throws {
        for t in model.tokenizer.encode(text) { try accept(t) }
    }

    /// Greedily picks one of `options` under a mask; nil when out of budget, or
    /// `endToken` was chosen instead (when given).
    mutating func choose(_ options: [String], orEnd endToken: Int32? = nil) throws -> Int? {
        var matcher = LiteralChoiceMatcher(options)
        var first = true
        while true {
            try checkCancelled()
            guard budgetLeft > 0 else { return nil }
            var allowed = model.masker.allowed(matcher)
            if first, let end = endToken { allowed.append(end) }
            guard !allowed.isEmpty else { return nil }
            let token = Sampler.argmax(logits, allowed)
            if token == endToken {
                completionTokens += 1
                return nil
            }
            for b in model.tokenizer.bytes(of: token) { _ = matcher.feed(b) }
            try accept(token)
            first = false
            if let m = matcher.matched { return m }
        }
    }

    private mutating func generateWithTools() throws -> GenerationStopReason {
        let names = tools.map(\.name)
        var callee: String
        switch toolChoice {
        case let .function(name):
            try force("functions.\(name):")
            callee = name
        case .required:
            guard let i = try choose(names.map { "functions.\($0):" }) else { return .length }
            callee = names[i]
        case .auto, .none:
            guard let i = try choose(["message:"] + names.map { "functions.\($0):" }) else { return .length }
            if i == 0 {
                guard budgetLeft > 0 else { return .length }
                try force("\n")
                return try generateText()
            }
            callee = names[i - 1]
        }
        var calls = 0
        while true {
            guard let call = try generateArguments(for: callee) else { return .length }
            emit(.toolCall(call))
            calls += 1
            let maxCalls = { if case .function = toolChoice { return 1 } else { return Self.maxToolCallsPerTurn } }()
            guard calls < maxCalls, budgetLeft > 0, !closedByBudget else { return .toolCalls }
            guard let i = try choose(names.map { "\nfunctions.\($0):" }, orEnd: model.chatPrompt.imEnd) else { return .toolCalls }
            callee = names[i]
        }
    }

    /// Generates `lead` then `{…}` under the tool's schema. When the token budget could no
    /// longer fit the shortest completion, that completion is appended instead of
    /// sampled, so an emitted call is always complete and valid. Nil only when not
    /// even the lead fits.
    mutating func generateArguments(for name: String, lead: String = "\n") throws -> GeneratedToolCall? {
        guard budgetLeft > 0 else { return nil }
        if !lead.isEmpty { try force(lead) }
        var matcher = JSONSchemaMatcher(graph: graphs[name]!)
        var text: [UInt8] = []
        let tokenizer = model.tokenizer
        while !matcher.isComplete {
            try checkCancelled()
            let closing = matcher.minimalCompletion()
            if budgetLeft <= closing.count + 1 {
                text += closing
                completionTokens += tokenizer.encode(String(decoding: closing, as: UTF8.self)).count
                _ = matcher.feed(bytes: closing)
                closedByBudget = true
                break
            }
            let allowed = model.masker.allowed(matcher)
            guard !allowed.isEmpty else {
                // Cannot happen with a byte-level vocabulary; close the value rather than emit invalid JSON.
                text += closing
                break
            }
            let token = sampler.sample(logits, allowed: allowed)
            let bytes = tokenizer.bytes(of: token)
            _ = matcher.feed(bytes: bytes)
            text += bytes
            // Evaluated even when it closes the object: a further call needs its logits.
            try accept(token)
        }
        return GeneratedToolCall(name: name, argumentsJSON: String(decoding: text, as: UTF8.self))
    }
}
