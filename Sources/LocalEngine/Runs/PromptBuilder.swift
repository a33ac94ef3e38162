import AssistantAPI

/// Builds a turn's chat messages from a thread: the run's instructions as the system message,
/// then the thread's messages oldest first, with each completed tool step placed at its own
/// point in history as an assistant message with `tool_calls` followed by one `tool` message
/// per call. Truncation never separates a tool call from its outputs.
public struct PromptBuilder: Sendable {
    /// A unit of history that truncation keeps or drops whole.
    enum Unit {
        case message(ChatMessage)
        case toolRound([ChatMessage])

        var messages: [ChatMessage] {
            switch self {
            case .message(let message): return [message]
            case .toolRound(let messages): return messages
            }
        }
    }

    public var contextTokens: Int

    public init(contextTokens: Int) { self.contextTokens = contextTokens }

    /// A rough token estimate (≈ 4 characters a token, plus the message's own framing), good
    /// enough to fit a context window.
    public static func estimateTokens(_ text: String) -> Int { max(1, text.utf8.count / 4) + 4 }

    /// The least `estimateTokens` gives any message.
    public static let minimumMessageTokens = 5

    public func build(
        instructions: String?, messages: [Message], toolSteps: [RunStep], truncation: TruncationStrategy?,
        reserveForOutput: Int
    ) -> [ChatMessage] {
        build(
            instructions: instructions, history: messages.map(PromptHistoryMessage.init), toolSteps: toolSteps,
            truncation: truncation, reserveForOutput: reserveForOutput)
    }

    public func build(
        instructions: String?, history: [PromptHistoryMessage], toolSteps: [RunStep], truncation: TruncationStrategy?,
        reserveForOutput: Int
    ) -> [ChatMessage] {
        var units = Self.history(messages: history, toolSteps: toolSteps)
        switch truncation?.type {
        case "last_messages":
            let keep = truncation?.lastMessages ?? units.count
            units = Array(units.suffix(keep))
        default:  // "auto" and unset: fit the context window, newest first
            var budget = contextTokens - reserveForOutput - Self.estimateTokens(instructions ?? "")
            var kept: [Unit] = []
            for unit in units.reversed() {
                let cost = unit.messages.reduce(0) { $0 + Self.estimateTokens($1.content) + $1.toolCalls.reduce(0) { $0 + Self.estimateTokens($1.arguments) } }
                if cost > budget && !kept.isEmpty { break }
                budget -= cost
                kept.append(unit)
            }
            units = kept.reversed()
        }
        var prompt: [ChatMessage] = []
        if let instructions, !instructions.isEmpty { prompt.append(ChatMessage(role: .system, content: instructions)) }
        for unit in units { prompt.append(contentsOf: unit.messages) }
        return prompt
    }

    /// Messages (in the thread's own order, never reordered: several can share a millisecond)
    /// with each tool round merged in at its point: before the first later message, or before
    /// its own run's assistant reply of the same millisecond (the model called the tools before
    /// it wrote the reply that used their outputs); a user message of that millisecond stays
    /// before it, since the run was given that question before it called the tools.
    static func history(messages: [PromptHistoryMessage], toolSteps: [RunStep]) -> [Unit] {
        var rounds: [(at: Int64, runID: String, unit: Unit)] = []
        for step in toolSteps {
            let calls = (step.stepDetails.toolCalls ?? []).compactMap { call -> (ChatToolCall, String)? in
                guard let output = call.output else { return nil }
                return (ChatToolCall(id: call.id, name: call.name, arguments: call.arguments), output)
            }
            guard !calls.isEmpty else { continue }
            var round = [ChatMessage(role: .assistant, content: "", toolCalls: calls.map(\.0))]
            for (call, output) in calls { round.append(ChatMessage(role: .tool, content: output, toolCallID: call.id)) }
            rounds.append((step.createdAt, step.runID, .toolRound(round)))
        }
        // Stable: steps of one millisecond keep their order.
        rounds = rounds.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var units: [Unit] = []
        var next = 0
        for message in messages {
            let text = message.text
            guard !text.isEmpty else { continue }
            let isAssistant = message.role == "assistant"
            while next < rounds.count, rounds[next].at < message.createdAt
                || (rounds[next].at == message.createdAt && isAssistant && sameRun(message, rounds[next].runID)) {
                units.append(rounds[next].unit)
                next += 1
            }
            units.append(.message(ChatMessage(role: isAssistant ? .assistant : .user, content: text)))
        }
        units.append(contentsOf: rounds[next...].map(\.unit))
        return units
    }

    /// Whether the message came from that run (a message without a run id may have).
    private static func sameRun(_ message: PromptHistoryMessage, _ runID: String) -> Bool {
        guard let owner = message.runID, !owner.isEmpty else { return true }
        return owner == runID
    }
}
