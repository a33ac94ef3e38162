import AssistantAPI
import JSONCore

/// assistants/* and assistant files.
extension LocalBackend {
    public func createAssistant(_ params: CreateAssistantParams) async throws -> Assistant {
        let settings = params.settings
        var assistant = Assistant(
            id: ObjectID.make(ObjectID.assistant), createdAt: Timestamp.now(), model: settings.model ?? "")
        assistant.name = params.name
        assistant.description = params.description
        assistant.instructions = settings.instructions
        assistant.tools = settings.tools ?? []
        assistant.fileIDs = params.fileIDs
        assistant.metadata = params.metadata
        assistant.temperature = settings.temperature
        assistant.topP = settings.topP
        assistant.topK = settings.topK
        assistant.maxTokens = settings.maxTokens
        let stored = Store.storable(assistant)
        try store.insertAssistant(stored)
        return stored
    }

    public func listAssistants(_ params: ListParams) async throws -> ListPage<Assistant> {
        try store.listAssistants(params)
    }

    public func retrieveAssistant(id: String) async throws -> Assistant {
        guard let assistant = try store.assistant(id: id) else { throw APIError.notFound("assistant", id: id) }
        return assistant
    }

    /// Fields given replace the stored ones; fields left out stay. `metadata` replaces the whole map.
    public func updateAssistant(_ params: UpdateAssistantParams) async throws -> Assistant {
        let settings = params.settings
        return try store.modifyAssistant(id: params.assistantID) { assistant in
            if let model = settings.model { assistant.model = model }
            if let instructions = settings.instructions { assistant.instructions = instructions }
            if let tools = settings.tools { assistant.tools = tools }
            if let temperature = settings.temperature { assistant.temperature = temperature }
            if let topP = settings.topP { assistant.topP = topP }
            if let topK = settings.topK { assistant.topK = topK }
            if let maxTokens = settings.maxTokens { assistant.maxTokens = maxTokens }
            if let name = params.name { assistant.name = name }
            if let description = params.description { assistant.description = description }
            if let fileIDs = params.fileIDs { assistant.fileIDs = fileIDs }
            if let metadata = params.metadata { assistant.metadata = metadata }
        }
    }

    public func deleteAssistant(id: String) async throws -> DeletionStatus {
        guard try store.deleteAssistant(id: id) else { throw APIError.notFound("assistant", id: id) }
        return DeletionStatus(id: id, object: "assistant.deleted")
    }

    public func createAssistantFile(_ params: AssistantFileParams) async throws -> AssistantFile {
        try store.attachAssistantFile(assistantID: params.assistantID, fileID: params.fileID, createdAt: Timestamp.now())
    }

    public func listAssistantFiles(assistantID: String, _ list: ListParams) async throws -> ListPage<AssistantFile> {
        try store.listAssistantFiles(assistantID: assistantID, list)
    }

    public func retrieveAssistantFile(_ params: AssistantFileParams) async throws -> AssistantFile {
        try requireAssistant(params.assistantID)
        guard let file = try store.assistantFile(assistantID: params.assistantID, fileID: params.fileID) else {
            throw APIError.notFound("file", id: params.fileID)
        }
        return file
    }

    public func deleteAssistantFile(_ params: AssistantFileParams) async throws -> DeletionStatus {
        try requireAssistant(params.assistantID)
        guard try store.detachAssistantFile(assistantID: params.assistantID, fileID: params.fileID) else {
            throw APIError.notFound("file", id: params.fileID)
        }
        return DeletionStatus(id: params.fileID, object: "assistant.file.deleted")
    }

    private func requireAssistant(_ id: String) throws {
        guard try store.assistant(id: id) != nil else { throw APIError.notFound("assistant", id: id) }
    }
}
