import AssistantAPI
import CSQLite
import Foundation
import JSONCore
import LocalEngine

/// A data dir holding one thread of many messages, filled through the store as assistd stores
/// them, and page 10,000 of it (newest first, 20 a page): the cursor that opens it, and SQLite's
/// own cost of that page on raw prepared statements (the same two queries the store runs:
/// resolve the cursor, then the range scan).
final class DeepPage {
    static let pageSize = 20
    static let pageNumber = 10_000

    let directory = NSTemporaryDirectory() + "limits-benchmark-store-\(UUID().uuidString)"
    let threadID: String
    let cursor: String
    private let db: OpaquePointer
    private let resolve: OpaquePointer
    private let scan: OpaquePointer

    var params: JSONValue { ["thread_id": .string(threadID), "limit": .int(Int64(Self.pageSize)), "after": .string(cursor)] }

    init(messages: Int) throws {
        say("filling a thread with \(messages) messages …")
        let store = try Store.open(location: .file(directory: directory))
        let thread = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: Timestamp.now())
        try store.insertThread(thread)
        let createdAt = Timestamp.now()
        try store.transaction {
            for index in 0..<messages {
                var message = Message(
                    id: ObjectID.make(ObjectID.message), createdAt: createdAt + Int64(index), threadID: thread.id,
                    role: index % 2 == 0 ? "user" : "assistant", content: [.text("Message number \(index) of the benchmark thread.")])
                message.metadata = ["n": String(index)]
                try store.insertMessage(message)
            }
        }
        let path = store.path
        store.close()
        threadID = thread.id

        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let handle else { fatalError("cannot open \(path)") }
        db = handle
        func prepare(_ sql: String) -> OpaquePointer {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
                fatalError("prepare failed: \(String(cString: sqlite3_errmsg(handle)))")
            }
            return statement
        }
        // The cursor: the last id of page 9,999.
        let offset = prepare("SELECT id FROM messages WHERE thread_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?")
        sqlite3_bind_text(offset, 1, thread.id, -1, DeepPage.transient)
        sqlite3_bind_int64(offset, 2, Int64(Self.pageSize * (Self.pageNumber - 1) - 1))
        guard sqlite3_step(offset) == SQLITE_ROW else { fatalError("no cursor row") }
        cursor = String(cString: sqlite3_column_text(offset, 0))
        sqlite3_finalize(offset)
        resolve = prepare("SELECT seq FROM messages WHERE id = ? AND thread_id = ?")
        scan = prepare("SELECT id, json FROM messages WHERE thread_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?")
    }

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// SQLite's time (µs) for the page, `count` times: cursor lookup, range scan, each column's bytes read.
    func sqliteLatencies(_ count: Int) -> [Double] {
        (0..<count).map { _ in
            let started = monotonicSeconds()
            sqlite3_bind_text(resolve, 1, cursor, -1, Self.transient)
            sqlite3_bind_text(resolve, 2, threadID, -1, Self.transient)
            precondition(sqlite3_step(resolve) == SQLITE_ROW)
            let seq = sqlite3_column_int64(resolve, 0)
            sqlite3_reset(resolve)
            sqlite3_bind_text(scan, 1, threadID, -1, Self.transient)
            sqlite3_bind_int64(scan, 2, seq)
            sqlite3_bind_int64(scan, 3, Int64(Self.pageSize + 1))
            var rows = 0
            var bytes = 0
            while sqlite3_step(scan) == SQLITE_ROW {
                rows += 1
                for column in 0..<sqlite3_column_count(scan) {
                    _ = sqlite3_column_text(scan, column)
                    bytes += Int(sqlite3_column_bytes(scan, column))
                }
            }
            sqlite3_reset(scan)
            precondition(rows >= Self.pageSize && bytes > 0)
            return (monotonicSeconds() - started) * 1e6
        }
    }

    func remove() {
        sqlite3_finalize(resolve)
        sqlite3_finalize(scan)
        sqlite3_close(db)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
