import AssistantAPI

/// Assistants and the files attached to them. An assistant's `file_ids` and its
/// `assistant_files` rows are kept equal: the rows give each attachment its `created_at` and
/// its place in `listAssistantFiles`.
extension Store {
    static let assistantList = ListSpec(table: "assistants", columns: "id, json", idColumn: "id", filters: [], noun: "assistant")
    static let assistantFileList = ListSpec(
        table: "assistant_files", columns: "file_id, created_at, assistant_id", idColumn: "file_id",
        filters: ["assistant_id = ?"], noun: "file")

    /// What reaches the database: no request id, no plugin secrets.
    static func storable(_ assistant: Assistant) -> Assistant {
        var copy = assistant
        copy.requestID = nil
        copy.tools = copy.tools.map(\.redacted)
        var seen: Set<String> = []
        copy.fileIDs = copy.fileIDs.filter { seen.insert($0).inserted }
        return copy
    }

    public func insertAssistant(_ assistant: Assistant) throws {
        let stored = Self.storable(assistant)
        try transaction {
            try change(
                "INSERT INTO assistants (id, created_at, json) VALUES (?, ?, ?)",
                [.text(stored.id), .int(stored.createdAt), try encode(stored)])
            try syncFiles(assistantID: stored.id, fileIDs: stored.fileIDs, createdAt: stored.createdAt)
        }
    }

    public func assistant(id: String) throws -> Assistant? {
        try fetchOne(Assistant.self, "SELECT json FROM assistants WHERE id = ?", [.text(id)])
    }

    /// Replaces the stored assistant (and its file rows, to match `file_ids`).
    public func updateAssistant(_ assistant: Assistant) throws {
        let stored = Self.storable(assistant)
        try transaction {
            let changed = try change("UPDATE assistants SET json = ? WHERE id = ?", [try encode(stored), .text(stored.id)])
            if changed == 0 { throw APIError.notFound("assistant", id: stored.id) }
            try syncFiles(assistantID: stored.id, fileIDs: stored.fileIDs, createdAt: Timestamp.now())
        }
    }

    /// Deletes the assistant and its file rows; false if there was none. Its runs stay.
    @discardableResult
    public func deleteAssistant(id: String) throws -> Bool {
        try change("DELETE FROM assistants WHERE id = ?", [.text(id)]) > 0
    }

    public func listAssistants(_ list: ListParams) throws -> ListPage<Assistant> {
        try page(Self.assistantList, [], scope: "this account", list, item: idAndJSON(Assistant.self))
    }

    // MARK: files

    /// Attaches a file (idempotent: attaching it again returns the existing attachment).
    public func attachAssistantFile(assistantID: String, fileID: String, createdAt: Int64) throws -> AssistantFile {
        try transaction {
            guard var assistant = try assistant(id: assistantID) else { throw APIError.notFound("assistant", id: assistantID) }
            if let existing = try assistantFile(assistantID: assistantID, fileID: fileID) { return existing }
            assistant.fileIDs.append(fileID)
            try change("UPDATE assistants SET json = ? WHERE id = ?", [try encode(Self.storable(assistant)), .text(assistantID)])
            try change(
                "INSERT INTO assistant_files (assistant_id, file_id, created_at) VALUES (?, ?, ?)",
                [.text(assistantID), .text(fileID), .int(createdAt)])
            return AssistantFile(id: fileID, createdAt: createdAt, assistantID: assistantID)
        }
    }

    public func assistantFile(assistantID: String, fileID: String) throws -> AssistantFile? {
        try withConnection { db in
            var result: AssistantFile?
            try db.query(
                "SELECT created_at FROM assistant_files WHERE assistant_id = ? AND file_id = ?",
                [.text(assistantID), .text(fileID)]
            ) { row in result = AssistantFile(id: fileID, createdAt: row.int(0), assistantID: assistantID) }
            return result
        }
    }

    /// Detaches a file; false if it was not attached.
    @discardableResult
    public func detachAssistantFile(assistantID: String, fileID: String) throws -> Bool {
        try transaction {
            guard var assistant = try assistant(id: assistantID) else { return false }
            let removed = try change(
                "DELETE FROM assistant_files WHERE assistant_id = ? AND file_id = ?", [.text(assistantID), .text(fileID)])
            assistant.fileIDs.removeAll { $0 == fileID }
            try change("UPDATE assistants SET json = ? WHERE id = ?", [try encode(Self.storable(assistant)), .text(assistantID)])
            return removed > 0
        }
    }

    /// Throws `notFound` if the assistant does not exist.
    public func listAssistantFiles(assistantID: String, _ list: ListParams) throws -> ListPage<AssistantFile> {
        guard try exists("assistants", id: assistantID) else { throw APIError.notFound("assistant", id: assistantID) }
        return try page(Self.assistantFileList, [.text(assistantID)], scope: "assistant \(assistantID)", list) { row in
            let file = AssistantFile(id: row.text(0), createdAt: row.int(1), assistantID: row.text(2))
            return (file.id, file)
        }
    }

    /// Makes the file rows match `fileIDs`: rows for removed ids go, new ids get rows (in order).
    private func syncFiles(assistantID: String, fileIDs: [String], createdAt: Int64) throws {
        var existing: Set<String> = []
        try withConnection { db in
            try db.query("SELECT file_id FROM assistant_files WHERE assistant_id = ?", [.text(assistantID)]) { row in
                existing.insert(row.text(0))
            }
        }
        let wanted = Set(fileIDs)
        for gone in existing.subtracting(wanted) {
            try change("DELETE FROM assistant_files WHERE assistant_id = ? AND file_id = ?", [.text(assistantID), .text(gone)])
        }
        var added: Set<String> = []
        for fileID in fileIDs where !existing.contains(fileID) && !added.contains(fileID) {
            added.insert(fileID)
            try change(
                "INSERT INTO assistant_files (assistant_id, file_id, created_at) VALUES (?, ?, ?)",
                [.text(assistantID), .text(fileID), .int(createdAt)])
        }
    }
}
