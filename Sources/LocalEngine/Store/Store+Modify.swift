import AssistantAPI

/// Read-modify-write in one transaction, so that a change to one field (a metadata update from
/// a client) does not overwrite a concurrent change to another (the run executor's status).
extension Store {
    private func modify<T>(
        _ what: String, id: String, load: (String) throws -> T?, save: (T) throws -> Void, _ change: (inout T) throws -> Void
    ) throws -> T {
        try transaction {
            guard var object = try load(id) else { throw APIError.notFound(what, id: id) }
            try change(&object)
            try save(object)
            return object
        }
    }

    /// Applies `change` to the stored assistant and saves it; returns it as saved (tools redacted).
    @discardableResult
    public func modifyAssistant(id: String, _ change: (inout Assistant) throws -> Void) throws -> Assistant {
        Self.storable(try modify("assistant", id: id, load: assistant(id:), save: updateAssistant, change))
    }

    @discardableResult
    public func modifyThread(id: String, _ change: (inout ThreadObject) throws -> Void) throws -> ThreadObject {
        try modify("thread", id: id, load: thread(id:), save: updateThread, change)
    }

    @discardableResult
    public func modifyMessage(id: String, _ change: (inout Message) throws -> Void) throws -> Message {
        try modify("message", id: id, load: message(id:), save: updateMessage, change)
    }

    /// Applies `change` to the stored run and saves it; returns it as saved (tools redacted).
    @discardableResult
    public func modifyRun(id: String, _ change: (inout Run) throws -> Void) throws -> Run {
        Self.storable(try modify("run", id: id, load: run(id:), save: updateRun, change))
    }

    @discardableResult
    public func modifyStep(id: String, _ change: (inout RunStep) throws -> Void) throws -> RunStep {
        try modify("run step", id: id, load: step(id:), save: updateStep, change)
    }
}
