import AssistantAPI
import JSONCore

public struct CreateThread: RequestMethod {
    public static let name = "threads/create"
    public let params: CreateThreadParams
    public static func reader(for params: JSONValue?) throws(APIError) -> ParamReader { try CreateThreadParams.reader(for: params) }
    public init(params reader: inout ParamReader) throws(APIError) { params = try CreateThreadParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> ThreadObject { try await call.backend.createThread(params) }
}

/// The local backend's threads; on the hosted backend, the ones this data dir has seen.
public struct ListThreads: RequestMethod {
    public static let name = "threads/list"
    public let params: ListThreadsParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try ListThreadsParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> ListPage<ThreadObject> { try await call.backend.listThreads(params) }
}

public struct RetrieveThread: RequestMethod {
    public static let name = "threads/retrieve"
    public static let startsAtOnce = true
    public let threadID: String
    public init(params reader: inout ParamReader) throws(APIError) { threadID = try reader.id("thread_id") }
    public func call(_ call: MethodCall) async throws -> ThreadObject { try await call.backend.retrieveThread(id: threadID) }
}

public struct UpdateThread: RequestMethod {
    public static let name = "threads/update"
    public static let threadOrdering = ThreadOrdering.mutates(threadParam: "thread_id")
    public let threadID: String
    public let update: MetadataUpdate
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        update = try MetadataUpdate(reader: &reader)
    }
    public func call(_ call: MethodCall) async throws -> ThreadObject {
        try await call.backend.updateThread(id: threadID, metadata: update.metadata, raw: update.raw)
    }
}

public struct DeleteThread: RequestMethod {
    public static let name = "threads/delete"
    public static let threadOrdering = ThreadOrdering.mutates(threadParam: "thread_id")
    public let threadID: String
    public init(params reader: inout ParamReader) throws(APIError) { threadID = try reader.id("thread_id") }
    public func call(_ call: MethodCall) async throws -> DeletionStatus { try await call.backend.deleteThread(id: threadID) }
}

// MARK: - messages

public struct CreateMessage: RequestMethod {
    public static let name = "messages/create"
    public static let threadOrdering = ThreadOrdering.mutates(threadParam: "thread_id")
    public let params: CreateMessageParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try CreateMessageParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> Message { try await call.backend.createMessage(params) }
}

public struct ListMessages: RequestMethod {
    public static let name = "messages/list"
    public static let startsAtOnce = true
    public let params: ListMessagesParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try ListMessagesParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> ListPage<SerializedJSON> {
        try await call.backend.listMessagesSerialized(params)
    }
}

public struct RetrieveMessage: RequestMethod {
    public static let name = "messages/retrieve"
    public static let startsAtOnce = true
    public let threadID: String
    public let messageID: String
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        messageID = try reader.id("message_id")
    }
    public func call(_ call: MethodCall) async throws -> StoredWireObject<Message> {
        try await call.backend.retrieveMessageStored(threadID: threadID, messageID: messageID)
    }
}

public struct UpdateMessage: RequestMethod {
    public static let name = "messages/update"
    public static let threadOrdering = ThreadOrdering.mutates(threadParam: "thread_id")
    public let threadID: String
    public let messageID: String
    public let update: MetadataUpdate
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        messageID = try reader.id("message_id")
        update = try MetadataUpdate(reader: &reader)
    }
    public func call(_ call: MethodCall) async throws -> Message {
        try await call.backend.updateMessage(threadID: threadID, messageID: messageID, metadata: update.metadata, raw: update.raw)
    }
}

public struct ListMessageFiles: RequestMethod {
    public static let name = "messages/files/list"
    public let threadID: String
    public let messageID: String
    public let list: ListParams
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        messageID = try reader.id("message_id")
        list = try ListParams(reader: &reader)
    }
    public func call(_ call: MethodCall) async throws -> ListPage<MessageFile> {
        try await call.backend.listMessageFiles(threadID: threadID, messageID: messageID, list)
    }
}

public struct RetrieveMessageFile: RequestMethod {
    public static let name = "messages/files/retrieve"
    public static let startsAtOnce = true
    public let threadID: String
    public let messageID: String
    public let fileID: String
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        messageID = try reader.id("message_id")
        fileID = try reader.id("file_id")
    }
    public func call(_ call: MethodCall) async throws -> MessageFile {
        try await call.backend.retrieveMessageFile(threadID: threadID, messageID: messageID, fileID: fileID)
    }
}
