import AssistdSupport
import AssistantAPI
import Foundation
import JSONCore

/// A deterministic TEST model: it plays turns read from a JSON file, so tests and plugin
/// authors' CI get exact, repeatable runs without a real model. It is never presented as a
/// real model (`initialize` reports it as `scripted`). Format (protocol/README.md § Scripted test model):
///
///     {"turns": [ {"text": "Hello", "chunks": 3, "delay_ms": 10},
///                 {"tool_calls": [{"name": "big_add", "arguments": {"left": 1, "right": 2}}]},
///                 {"text": "The sum is {{last_tool_output}}."},
///                 {"error": {"kind": "rate_limited", "message": "slow down"}} ],
///      "rules": [ {"when_last_user_contains": "weather", "turn": {…}},
///                 {"when_last_is_tool": true, "turn": {…}} ],
///      "context_tokens": 8192}
///
/// A turn with `"timestamp_chunks": true` prefixes each text chunk with `@<µs>;` (CLOCK_REALTIME)
/// for the run benchmark.
///
/// Each model call takes the first rule that matches, else the next entry of `turns`
/// (cycling). `{{last_user}}` and `{{last_tool_output}}` in text are filled from the prompt.
public final class ScriptedChatModel: ChatModel {
    public struct Turn: Sendable, Equatable {
        public var text: String?
        public var chunks: Int
        public var delayMs: Int
        public var toolCalls: [(name: String, arguments: String)]
        public var error: ChatModelError?
        public var finish: FinishReason?
        public var usage: (prompt: Int, completion: Int)?
        /// Benchmarks: each text chunk starts with `@<CLOCK_REALTIME microseconds>;`, the moment
        /// the model hands it over, so a client on the same machine can time its delivery.
        public var timestampChunks = false

        public static func == (lhs: Turn, rhs: Turn) -> Bool {
            lhs.text == rhs.text && lhs.chunks == rhs.chunks && lhs.delayMs == rhs.delayMs
                && lhs.toolCalls.map(\.name) == rhs.toolCalls.map(\.name)
                && lhs.toolCalls.map(\.arguments) == rhs.toolCalls.map(\.arguments) && lhs.error == rhs.error
                && lhs.finish == rhs.finish && lhs.timestampChunks == rhs.timestampChunks
        }
    }

    struct Rule: Sendable {
        var lastUserContains: String?
        var lastIsTool: Bool?
        var turn: Turn
    }

    public let displayName: String
    public let contextTokens: Int
    private let turns: [Turn]
    private let rules: [Rule]
    private let cursor = Locked(0)

    public convenience init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ChatModelError(.unavailable, "scripted model: cannot read \(path)")
        }
        try self.init(json: try JSONValue.parse(data), name: path)
    }

    public init(json: JSONValue, name: String = "inline") throws {
        guard case .object(let root) = json else { throw Self.formatError("the script must be a JSON object") }
        turns = try (root["turns"]?.arrayValue ?? []).enumerated().map { index, value in
            try Self.parseTurn(value, path: "turns[\(index)]")
        }
        rules = try (root["rules"]?.arrayValue ?? []).enumerated().map { index, value in
            guard let turn = value["turn"] else { throw Self.formatError("rules[\(index)] needs a turn") }
            return Rule(
                lastUserContains: value["when_last_user_contains"]?.stringValue,
                lastIsTool: value["when_last_is_tool"]?.boolValue,
                turn: try Self.parseTurn(turn, path: "rules[\(index)].turn"))
        }
        if turns.isEmpty && rules.isEmpty { throw Self.formatError("the script has no turns") }
        contextTokens = Int(root["context_tokens"]?.intValue ?? 8192)
        displayName = "scripted \(name)"
    }

    static func formatError(_ message: String) -> ChatModelError {
        ChatModelError(.unavailable, "scripted model: \(message)")
    }

    static func parseTurn(_ value: JSONValue, path: String) throws -> Turn {
        guard case .object(let object) = value else { throw formatError("\(path) must be an object") }
        var turn = Turn(
            text: object["text"]?.stringValue, chunks: max(1, Int(object["chunks"]?.intValue ?? 1)),
            delayMs: Int(object["delay_ms"]?.intValue ?? 0), toolCalls: [], error: nil, finish: nil, usage: nil)
        for (index, call) in (object["tool_calls"]?.arrayValue ?? []).enumerated() {
            guard let name = call["name"]?.stringValue else { throw formatError("\(path).tool_calls[\(index)] needs a name") }
            let arguments: String
            switch call["arguments"] {
            case .string(let text)?: arguments = text
            case let other?: arguments = other.serializedString(sortedKeys: true)
            case nil: arguments = "{}"
            }
            turn.toolCalls.append((name, arguments))
        }
        if let error = object["error"] {
            let kind = ChatModelError.Kind(rawValue: Self.camel(error["kind"]?.stringValue ?? "server")) ?? .server
            turn.error = ChatModelError(kind, error["message"]?.stringValue ?? "scripted failure")
        }
        if let finish = object["finish"]?.stringValue {
            guard let reason = FinishReason(rawValue: finish) else { throw formatError("\(path).finish is unknown: \(finish)") }
            turn.finish = reason
        }
        turn.timestampChunks = object["timestamp_chunks"]?.boolValue ?? false
        if let usage = object["usage"] {
            turn.usage = (Int(usage["prompt_tokens"]?.intValue ?? 0), Int(usage["completion_tokens"]?.intValue ?? 0))
        }
        return turn
    }

    static func camel(_ snake: String) -> String {
        let parts = snake.split(separator: "_")
        return parts.enumerated().map { $0 == 0 ? String($1) : $1.capitalized }.joined()
    }

    func nextTurn(for request: ChatRequest) -> Turn {
        let lastUser = request.messages.last { $0.role == .user }?.content ?? ""
        let lastIsTool = request.messages.last?.role == .tool
        for rule in rules {
            if let needle = rule.lastUserContains, !lastUser.contains(needle) { continue }
            if let wanted = rule.lastIsTool, wanted != lastIsTool { continue }
            return rule.turn
        }
        let index = cursor.withLock { value in
            defer { value += 1 }
            return value
        }
        return turns[index % turns.count]
    }

    static func fill(_ text: String, from request: ChatRequest) -> String {
        guard text.contains("{{") else { return text }
        let lastUser = request.messages.last { $0.role == .user }?.content ?? ""
        let lastTool = request.messages.last { $0.role == .tool }?.content ?? ""
        return text.replacingOccurrences(of: "{{last_user}}", with: lastUser)
            .replacingOccurrences(of: "{{last_tool_output}}", with: lastTool)
    }

    /// Splits into `count` pieces on character boundaries (never inside a character).
    static func split(_ text: String, into count: Int) -> [String] {
        let characters = Array(text)
        guard count > 1, characters.count > 1 else { return [text] }
        let size = max(1, (characters.count + count - 1) / count)
        return stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min($0 + size, characters.count)]) }
    }

    static func realtimeMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }

    public func streamTurn(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        let turn = nextTurn(for: request)
        guard turn.delayMs > 0 else {
            // Nothing to wait for: the turn's events are buffered in the stream as it is made,
            // so its consumer takes them without a producer task to hand them over.
            return AsyncThrowingStream { continuation in
                do {
                    try Self.forEachEvent(of: turn, for: request) { continuation.yield(Self.stamped($0, turn)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for event in try Self.events(of: turn, for: request) {
                        if event.waitsForDelay {
                            try await Task.sleep(nanoseconds: UInt64(turn.delayMs) * 1_000_000)
                            try Task.checkCancellation()
                        }
                        continuation.yield(Self.stamped(event, turn))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The turn's events in order, text unstamped; throws the turn's scripted error.
    static func events(of turn: Turn, for request: ChatRequest) throws -> [ChatEvent] {
        var events: [ChatEvent] = []
        try forEachEvent(of: turn, for: request) { events.append($0) }
        return events
    }

    /// Hands `body` the turn's events in order, text unstamped, as they are made (a turn of
    /// 100,000 chunks is not held a second time as a whole); throws the turn's scripted error.
    static func forEachEvent(of turn: Turn, for request: ChatRequest, _ body: (ChatEvent) -> Void) throws {
        if let error = turn.error { throw error }
        var completionCharacters = 0
        if let text = turn.text {
            let filled = fill(text, from: request)
            completionCharacters += filled.count
            for piece in split(filled, into: turn.chunks) { body(.text(piece)) }
        }
        for (index, call) in turn.toolCalls.enumerated() {
            completionCharacters += call.arguments.count + call.name.count
            body(.toolCall(ChatToolCall(id: "call_\(index)_" + ObjectID.make(""), name: call.name, arguments: call.arguments)))
        }
        let promptCharacters = request.messages.reduce(0) { $0 + $1.content.count }
        let usage = turn.usage ?? (max(1, promptCharacters / 4), max(1, completionCharacters / 4))
        body(.usage(promptTokens: usage.prompt, completionTokens: usage.completion))
        body(.finish(turn.finish ?? (turn.toolCalls.isEmpty ? .stop : .toolCalls)))
    }

    /// A text chunk as handed over: with the moment it is, for `timestampChunks`.
    static func stamped(_ event: ChatEvent, _ turn: Turn) -> ChatEvent {
        guard turn.timestampChunks, case .text(let piece) = event else { return event }
        return .text("@\(realtimeMicroseconds());" + piece)
    }
}

extension ChatEvent {
    /// A delayed scripted turn waits its `delay_ms` before each text chunk and tool call.
    fileprivate var waitsForDelay: Bool {
        switch self {
        case .text, .toolCall: return true
        default: return false
        }
    }
}
