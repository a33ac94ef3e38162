import AssistantAPI

/// What a prompt takes from one of the thread's messages: its role, its text (the text parts,
/// joined), when it was created and by which run. The store reads just these from a row, so a
/// turn does not decode whole messages to build its prompt.
public struct PromptHistoryMessage: Sendable, Equatable {
    public var role: String
    public var text: String
    public var createdAt: Int64
    /// nil or "" for a message no run created.
    public var runID: String?

    public init(role: String, text: String, createdAt: Int64, runID: String?) {
        self.role = role
        self.text = text
        self.createdAt = createdAt
        self.runID = runID
    }

    public init(_ message: Message) {
        self.init(role: message.role, text: message.text, createdAt: message.createdAt, runID: message.runID)
    }
}

extension RunRepository {
    /// From whole messages, for a repository that has no cheaper way.
    public func recentPromptHistory(threadID: String, limit: Int) throws -> [PromptHistoryMessage] {
        try recentThreadMessages(threadID: threadID, limit: limit).map(PromptHistoryMessage.init)
    }
}
