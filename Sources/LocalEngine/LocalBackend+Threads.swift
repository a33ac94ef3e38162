import AssistantAPI
import JSONCore

/// threads/* and messages/*.
extension LocalBackend {
    public func createThread(_ params: CreateThreadParams) async throws -> ThreadObject {
        let thread = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: Timestamp.now(), metadata: params.metadata)
        try store.transaction {
            try store.insertThread(thread)
            for message in params.messages {
                try store.insertMessage(Self.message(message, threadID: thread.id))
            }
        }
        return thread
    }

    public func retrieveThread(id: String) async throws -> ThreadObject {
        guard let thread = try store.thread(id: id) else { throw APIError.notFound("thread", id: id) }
        return thread
    }

    public func listThreads(_ params: ListThreadsParams) async throws -> ListPage<ThreadObject> {
        try store.listThreads(params)
    }

    /// `metadata` replaces the whole map; nil leaves it as it is.
    public func updateThread(id: String, metadata: [String: String]?, raw: JSONObject) async throws -> ThreadObject {
        try store.modifyThread(id: id) { thread in
            if let metadata { thread.metadata = metadata }
        }
    }

    /// Deletes the thread with its messages, runs and steps.
    public func deleteThread(id: String) async throws -> DeletionStatus {
        guard try store.deleteThread(id: id) else { throw APIError.notFound("thread", id: id) }
        return DeletionStatus(id: id, object: "thread.deleted")
    }

    // MARK: messages

    /// Refused while the thread has an active run, as the service refuses it; unless that run's
    /// process is gone (or it is overdue for expiry): then it is ended and the message added.
    public func createMessage(_ params: CreateMessageParams) async throws -> Message {
        let message = Self.message(params.message, threadID: params.threadID)
        do {
            try insertUnlessLocked(message)
        } catch let error as APIError {
            guard case .string(let holder)? = error.details["active_run_id"],
                  executor.releaseIfStale(threadID: params.threadID, runID: holder)
            else { throw error }
            try insertUnlessLocked(message)
        }
        return message
    }

    private func insertUnlessLocked(_ message: Message) throws {
        try store.transaction {
            guard try store.threadExists(id: message.threadID) else { throw APIError.notFound("thread", id: message.threadID) }
            if let active = try store.activeRun(threadID: message.threadID) {
                throw APIError.conflict(
                    "Can't add messages to \(message.threadID) while a run \(active.id) is active.", activeRunID: active.id)
            }
            try store.insertMessage(message)
        }
    }

    public func listMessages(_ params: ListMessagesParams) async throws -> ListPage<Message> {
        let runID = params.runID.flatMap { $0.isEmpty ? nil : $0 }
        return try store.listMessages(threadID: params.threadID, runID: runID, params.list)
    }

    public func listMessagesSerialized(_ params: ListMessagesParams) async throws -> ListPage<SerializedJSON> {
        let runID = params.runID.flatMap { $0.isEmpty ? nil : $0 }
        return try store.listMessagesSerialized(threadID: params.threadID, runID: runID, params.list)
    }

    public func retrieveMessage(threadID: String, messageID: String) async throws -> Message {
        try existingMessage(threadID: threadID, messageID: messageID)
    }

    public func updateMessage(threadID: String, messageID: String, metadata: [String: String]?, raw: JSONObject) async throws -> Message {
        try store.transaction {
            _ = try existingMessage(threadID: threadID, messageID: messageID)
            return try store.modifyMessage(id: messageID) { message in
                if let metadata { message.metadata = metadata }
            }
        }
    }

    /// A message's files are its `file_ids`, dated when the message was.
    public func listMessageFiles(threadID: String, messageID: String, _ list: ListParams) async throws -> ListPage<MessageFile> {
        let message = try existingMessage(threadID: threadID, messageID: messageID)
        let files = message.fileIDs.map { MessageFile(id: $0, createdAt: message.createdAt, messageID: message.id) }
        return try pageInMemory(files, id: \.id, noun: "file", scope: "message \(messageID)", list)
    }

    public func retrieveMessageFile(threadID: String, messageID: String, fileID: String) async throws -> MessageFile {
        let message = try existingMessage(threadID: threadID, messageID: messageID)
        guard message.fileIDs.contains(fileID) else { throw APIError.notFound("file", id: fileID) }
        return MessageFile(id: fileID, createdAt: message.createdAt, messageID: message.id)
    }

    /// The message of that thread; `notFound` naming the thread or the message.
    public func retrieveMessageStored(threadID: String, messageID: String) async throws -> StoredWireObject<Message> {
        guard try store.threadExists(id: threadID) else { throw APIError.notFound("thread", id: threadID) }
        guard let json = try store.messageJSON(threadID: threadID, id: messageID) else {
            throw APIError.notFound("message", id: messageID)
        }
        return StoredWireObject(json: json)
    }

    func existingMessage(threadID: String, messageID: String) throws -> Message {
        guard try store.threadExists(id: threadID) else { throw APIError.notFound("thread", id: threadID) }
        guard let message = try store.message(threadID: threadID, id: messageID) else {
            throw APIError.notFound("message", id: messageID)
        }
        return message
    }

    /// A message as a client creates it (the service's shape: `""` assistant, run and status).
    static func message(_ new: NewMessage, threadID: String) -> Message {
        var message = Message(
            id: ObjectID.make(ObjectID.message), createdAt: Timestamp.now(), threadID: threadID, role: new.role,
            content: new.content)
        message.fileIDs = new.fileIDs
        message.metadata = new.metadata
        return message
    }
}
