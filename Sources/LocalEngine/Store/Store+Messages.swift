import AssistantAPI
import CSQLite
import JSONCore

/// Messages of a thread, in insertion order.
extension Store {
    static let messageList = ListSpec(
        table: "messages", columns: "id, json", idColumn: "id", filters: ["thread_id = ?"], noun: "message")
    /// With a run filter the run's index does the work (`+` keeps SQLite off the thread index,
    /// which would scan the whole thread).
    static let messageListByRun = ListSpec(
        table: "messages", columns: "id, json", idColumn: "id", filters: ["run_id = ?", "+thread_id = ?"], noun: "message")

    /// Messages whose JSON is at least this long are written into their row in place.
    static let writeInPlaceBytes = 1 << 20

    /// Inserts a message; `notFound("thread")` if its thread does not exist.
    public func insertMessage(_ message: Message) throws {
        var stored = message
        stored.requestID = nil
        let json = try JSONValue(encoding: stored).serialized()
        let columns: [SQLValue] = [.text(stored.id), .text(stored.threadID), optionalID(stored.runID), .int(stored.createdAt)]
        guard json.count >= Self.writeInPlaceBytes else {
            return try insertChild(
                "INSERT INTO messages (id, thread_id, run_id, created_at, json) VALUES (?, ?, ?, ?, ?)", columns + [.bytes(json)],
                parent: "thread", parentID: stored.threadID)
        }
        // A long message (a pasted file): SQLite would copy the bound JSON into a record before
        // writing its pages, one more whole copy at the peak; a zeroblob's record holds none, and
        // the JSON then goes straight into the row's pages (stored as a blob, as streamed text is).
        try transaction {
            try insertChild(
                "INSERT INTO messages (id, thread_id, run_id, created_at, json) VALUES (?, ?, ?, ?, zeroblob(?))",
                columns + [.int(Int64(json.count))], parent: "thread", parentID: stored.threadID)
            try withConnection { db in
                try db.writeBlob(table: "messages", column: "json", rowid: sqlite3_last_insert_rowid(db.handle), json)
            }
        }
    }

    public func message(id: String) throws -> Message? {
        try fetchOne(Message.self, "SELECT json FROM messages WHERE id = ?", [.text(id)])
    }

    /// The message, if it exists and belongs to `threadID`.
    public func message(threadID: String, id: String) throws -> Message? {
        try fetchOne(Message.self, "SELECT json FROM messages WHERE id = ? AND thread_id = ?", [.text(id), .text(threadID)])
    }

    /// The message's JSON as stored, if it exists and belongs to `threadID`.
    public func messageJSON(threadID: String, id: String) throws -> SerializedJSON? {
        try withConnection { db in
            var json: SerializedJSON?
            try db.query("SELECT json FROM messages WHERE id = ? AND thread_id = ?", [.text(id), .text(threadID)]) { row in
                if json == nil { json = SerializedJSON(bytes: row.withBytes(0) { Array($0) }) }
            }
            return json
        }
    }

    /// Replaces the stored message (its thread stays); `notFound` if there is none.
    public func updateMessage(_ message: Message) throws {
        var stored = message
        stored.requestID = nil
        let changed = try change(
            "UPDATE messages SET run_id = ?, json = ? WHERE id = ?",
            [optionalID(stored.runID), try encode(stored), .text(stored.id)])
        if changed == 0 { throw APIError.notFound("message", id: message.id) }
    }

    /// Replaces the stored message's content with one text part (streamed text, stored many
    /// times a second): SQLite rewrites the row without the whole message being encoded here.
    public func updateMessageText(id: String, text: String) throws {
        let changed = try change(
            """
            UPDATE messages SET json = CAST(json_set(CAST(json AS TEXT), '$.content', json_array(json_object(
                'type', 'text', 'text', json_object('value', ?, 'annotations', json_array())))) AS BLOB) WHERE id = ?
            """,
            [.text(text), .text(id)])
        if changed == 0 { throw APIError.notFound("message", id: id) }
    }

    /// A page of the thread's messages, optionally only those a run created;
    /// `notFound("thread")` if the thread does not exist.
    public func listMessages(threadID: String, runID: String? = nil, _ list: ListParams) throws -> ListPage<Message> {
        try listMessages(threadID: threadID, runID: runID, list) { row in try decode(Message.self, row, column: 1) }
    }

    /// The same page with each message as stored: the JSON its encoding wrote, which is what a
    /// list carries, so it is neither decoded nor encoded again.
    public func listMessagesSerialized(threadID: String, runID: String? = nil, _ list: ListParams) throws -> ListPage<SerializedJSON> {
        try listMessages(threadID: threadID, runID: runID, list) { row in SerializedJSON(bytes: row.withBytes(1) { Array($0) }) }
    }

    private func listMessages<Item>(
        threadID: String, runID: String?, _ list: ListParams, item: (SQLiteStatement) throws -> Item
    ) throws -> ListPage<Item> {
        // A page with messages proves the thread exists (deleting a thread deletes its
        // messages), so the thread is looked up only for an empty or failed page: a missing
        // thread is `notFound` before any complaint about the page, as if checked first.
        let found: ListPage<Item>
        do {
            if let runID {
                found = try page(
                    Self.messageListByRun, [.text(runID), .text(threadID)], scope: "run \(runID) of thread \(threadID)", list,
                    value: item)
            } else {
                found = try page(Self.messageList, [.text(threadID)], scope: "thread \(threadID)", list, value: item)
            }
        } catch {
            guard try threadExists(id: threadID) else { throw APIError.notFound("thread", id: threadID) }
            throw error
        }
        if found.data.isEmpty, try !threadExists(id: threadID) { throw APIError.notFound("thread", id: threadID) }
        return found
    }

    /// Every message of the thread, oldest first (for building a prompt).
    public func messages(threadID: String) throws -> [Message] {
        try fetchAll(Message.self, "SELECT json FROM messages WHERE thread_id = ? ORDER BY seq ASC", [.text(threadID)])
    }

    /// The newest `limit` messages of the thread, oldest first: a prompt never needs more than
    /// its context holds, so a turn's cost does not grow with the thread's history.
    public func recentMessages(threadID: String, limit: Int) throws -> [Message] {
        try fetchAll(
            Message.self, "SELECT json FROM messages WHERE thread_id = ? ORDER BY seq DESC LIMIT ?",
            [.text(threadID), .int(Int64(limit))]
        ).reversed()
    }

    /// The newest `limit` messages of the thread as a prompt needs them, oldest first: SQLite
    /// picks the role and joins the text parts, so no message is decoded here. (The JSON is cast
    /// to text: a row written in place holds it as a blob.)
    public func recentPromptHistory(threadID: String, limit: Int) throws -> [PromptHistoryMessage] {
        try withConnection { db in
            var history: [PromptHistoryMessage] = []
            try db.query(
                """
                SELECT json_extract(CAST(json AS TEXT), '$.role'), created_at, run_id,
                    (SELECT group_concat(json_extract(part.value, '$.text.value'), '')
                        FROM json_each(CAST(messages.json AS TEXT), '$.content') AS part)
                FROM messages WHERE thread_id = ? ORDER BY seq DESC LIMIT ?
                """,
                [.text(threadID), .int(Int64(limit))]
            ) { row in
                history.append(PromptHistoryMessage(
                    role: row.text(0), text: row.text(3), createdAt: row.int(1), runID: row.isNull(2) ? nil : row.text(2)))
            }
            return history.reversed()
        }
    }

    /// How many messages the thread has.
    public func messageCount(threadID: String) throws -> Int {
        try withConnection { db in
            Int(try db.scalarInt("SELECT count(*) FROM messages WHERE thread_id = ?", [.text(threadID)]) ?? 0)
        }
    }
}
