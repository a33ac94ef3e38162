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
        var units = Self.history(messages: messages, toolSteps: toolSteps)
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

    /// Messages and tool rounds merged in chronological order. Within one millisecond (a fast
    /// model calls its tools in the millisecond its run was given the question): user messages
    /// first, since the run was given them before it called the tools (the thread takes no new
    /// message while a run waits for outputs); then the tool round; then assistant messages,
    /// since the model called the tools before it wrote the reply that used their outputs.
    static func history(messages: [Message], toolSteps: [RunStep]) -> [Unit] {
        var items: [(at: Int64, rank: Int, index: Int, unit: Unit)] = []
        for (index, message) in messages.enumerated() {
            let text = message.text
            guard !text.isEmpty else { continue }
            let role: ChatMessage.Role = message.role == "assistant" ? .assistant : .user
            items.append((message.createdAt, role == .user ? 0 : 2, index, .message(ChatMessage(role: role, content: text))))
        }
        for (index, step) in toolSteps.enumerated() {
            let calls = (step.stepDetails.toolCalls ?? []).compactMap { call -> (ChatToolCall, String)? in
                guard let output = call.output else { return nil }
                return (ChatToolCall(id: call.id, name: call.name, arguments: call.arguments), output)
            }
            guard !calls.isEmpty else { continue }
            var round = [ChatMessage(role: .assistant, content: "", toolCalls: calls.map(\.0))]
            for (call, output) in calls { round.append(ChatMessage(role: .tool, content: output, toolCallID: call.id)) }
            // Between the user and the assistant messages of the same millisecond.
            items.append((step.createdAt, 1, index, .toolRound(round)))
        }
        items.sort { ($0.at, $0.rank, $0.index) < ($1.at, $1.rank, $1.index) }
        return items.map(\.unit)
    }
}
