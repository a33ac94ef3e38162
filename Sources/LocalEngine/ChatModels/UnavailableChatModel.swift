import AssistantAPI

/// Stands in when no model can be used (none configured, or the embedded model's file is
/// missing): every run fails at once with `server_error` and a message that says what to do.
public struct UnavailableChatModel: ChatModel {
    public let reason: String
    public var displayName: String { "unavailable (\(reason))" }
    public var contextTokens: Int { 8192 }

    public init(reason: String) { self.reason = reason }

    public func streamTurn(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        AsyncThrowingStream { $0.finish(throwing: ChatModelError(.unavailable, reason)) }
    }
}
