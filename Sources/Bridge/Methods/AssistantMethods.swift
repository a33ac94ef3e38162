import AssistantAPI

public struct CreateAssistant: RequestMethod {
    public static let name = "assistants/create"
    public let params: CreateAssistantParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try CreateAssistantParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> Assistant { try await call.backend.createAssistant(params) }
}

public struct ListAssistants: RequestMethod {
    public static let name = "assistants/list"
    public let list: ListParams
    public init(params reader: inout ParamReader) throws(APIError) { list = try ListParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> ListPage<Assistant> { try await call.backend.listAssistants(list) }
}

public struct RetrieveAssistant: RequestMethod {
    public static let name = "assistants/retrieve"
    public static let startsAtOnce = true
    public let assistantID: String
    public init(params reader: inout ParamReader) throws(APIError) { assistantID = try reader.id("assistant_id") }
    public func call(_ call: MethodCall) async throws -> Assistant { try await call.backend.retrieveAssistant(id: assistantID) }
}

public struct UpdateAssistant: RequestMethod {
    public static let name = "assistants/update"
    public let params: UpdateAssistantParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try UpdateAssistantParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> Assistant { try await call.backend.updateAssistant(params) }
}

public struct DeleteAssistant: RequestMethod {
    public static let name = "assistants/delete"
    public let assistantID: String
    public init(params reader: inout ParamReader) throws(APIError) { assistantID = try reader.id("assistant_id") }
    public func call(_ call: MethodCall) async throws -> DeletionStatus { try await call.backend.deleteAssistant(id: assistantID) }
}

// MARK: - files of an assistant

public struct CreateAssistantFile: RequestMethod {
    public static let name = "assistants/files/create"
    public let params: AssistantFileParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try AssistantFileParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> AssistantFile { try await call.backend.createAssistantFile(params) }
}

public struct ListAssistantFiles: RequestMethod {
    public static let name = "assistants/files/list"
    public let assistantID: String
    public let list: ListParams
    public init(params reader: inout ParamReader) throws(APIError) {
        assistantID = try reader.id("assistant_id")
        list = try ListParams(reader: &reader)
    }
    public func call(_ call: MethodCall) async throws -> ListPage<AssistantFile> {
        try await call.backend.listAssistantFiles(assistantID: assistantID, list)
    }
}

public struct RetrieveAssistantFile: RequestMethod {
    public static let name = "assistants/files/retrieve"
    public static let startsAtOnce = true
    public let params: AssistantFileParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try AssistantFileParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> AssistantFile { try await call.backend.retrieveAssistantFile(params) }
}

public struct DeleteAssistantFile: RequestMethod {
    public static let name = "assistants/files/delete"
    public let params: AssistantFileParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try AssistantFileParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> DeletionStatus { try await call.backend.deleteAssistantFile(params) }
}
