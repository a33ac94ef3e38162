// StoreBenchmark: fills one thread with many messages, then times listing page 1 and page
// 10,000 through the store (cursor pagination, decoding included) next to SQLite's own cost for
// the same queries run directly on a raw prepared statement. Not a test: it prints numbers.
//
//   swift run -c release StoreBenchmark [--messages 1000000] [--page-size 20] [--repeat 300] [--dir PATH]

import AssistantAPI
import AssistdClient
import CSQLite
import Foundation
import JSONCore
import LocalEngine

struct Options {
    var messages = 1_000_000
    var pageSize = 20
    var repetitions = 300
    var directory: String?
    /// The assistd binary for the "through the bridge" rows (default: next to this benchmark).
    var assistd = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/assistd"

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--messages": messages = Int(value) ?? messages
            case "--page-size": pageSize = Int(value) ?? pageSize
            case "--repeat": repetitions = Int(value) ?? repetitions
            case "--dir": directory = value
            case "--assistd": assistd = value
            default:
                FileHandle.standardError.write(Data("unknown flag \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Median and 90th percentile of `repetitions` runs of `body`, in microseconds, after a warm-up.
func measure(_ repetitions: Int, _ body: () throws -> Void) rethrows -> (median: Double, p90: Double) {
    for _ in 0..<max(3, repetitions / 10) { try body() }
    var samples: [Double] = []
    for _ in 0..<repetitions {
        let start = now()
        try body()
        samples.append(Double(now() - start) / 1000)
    }
    samples.sort()
    return (samples[samples.count / 2], samples[samples.count * 9 / 10])
}

func measure(_ repetitions: Int, _ body: () async throws -> Void) async rethrows -> (median: Double, p90: Double) {
    for _ in 0..<max(3, repetitions / 10) { try await body() }
    var samples: [Double] = []
    for _ in 0..<repetitions {
        let start = now()
        try await body()
        samples.append(Double(now() - start) / 1000)
    }
    samples.sort()
    return (samples[samples.count / 2], samples[samples.count * 9 / 10])
}

/// A raw sqlite3 connection and prepared statements: SQLite's own cost, nothing of ours.
final class RawSQLite {
    let db: OpaquePointer
    init(path: String) {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let handle else {
            fatalError("cannot open \(path)")
        }
        db = handle
    }

    func prepare(_ sql: String) -> OpaquePointer {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            fatalError("prepare failed: \(String(cString: sqlite3_errmsg(db)))")
        }
        return statement
    }

    func bind(_ statement: OpaquePointer, _ index: Int32, _ text: String) {
        sqlite3_bind_text(statement, index, text, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
    }

    /// Steps every row, touching each column's bytes as a reader would; returns the row count.
    @discardableResult
    func drain(_ statement: OpaquePointer) -> Int {
        var rows = 0
        var bytes = 0
        while sqlite3_step(statement) == SQLITE_ROW {
            rows += 1
            for column in 0..<sqlite3_column_count(statement) {
                _ = sqlite3_column_text(statement, column)
                bytes += Int(sqlite3_column_bytes(statement, column))
            }
        }
        sqlite3_reset(statement)
        precondition(bytes >= 0)
        return rows
    }
}

let options = Options(CommandLine.arguments)
let pageNumber = 10_000
let directory = options.directory
    ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-storebench-\(UUID().uuidString)")
let removeAfterwards = options.directory == nil
defer { if removeAfterwards { try? FileManager.default.removeItem(atPath: directory) } }

guard options.messages >= options.pageSize * pageNumber else {
    print("need at least \(options.pageSize * pageNumber) messages to reach page \(pageNumber)")
    exit(2)
}

let store = try Store.open(location: .file(directory: directory))
let thread = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: Timestamp.now())
try store.insertThread(thread)

// Fill: one transaction, the store's cached prepared insert, each message encoded as stored.
print("filling a thread with \(options.messages) messages in \(store.path) …")
let fillStart = now()
let createdAt = Timestamp.now()
try store.transaction {
    for index in 0..<options.messages {
        var message = Message(
            id: ObjectID.make(ObjectID.message), createdAt: createdAt + Int64(index), threadID: thread.id,
            role: index % 2 == 0 ? "user" : "assistant", content: [.text("Message number \(index) of the benchmark thread.")])
        message.metadata = ["n": String(index)]
        try store.insertMessage(message)
    }
}
let fillSeconds = Double(now() - fillStart) / 1e9
print(String(format: "filled in %.1f s (%.0f messages/s)", fillSeconds, Double(options.messages) / fillSeconds))

// The cursor that opens page 10,000: the last id of page 9,999 (newest first, the default order).
let raw = RawSQLite(path: store.path)
let cursorQuery = raw.prepare("SELECT id FROM messages WHERE thread_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?")
raw.bind(cursorQuery, 1, thread.id)
sqlite3_bind_int64(cursorQuery, 2, Int64(options.pageSize * (pageNumber - 1) - 1))
guard sqlite3_step(cursorQuery) == SQLITE_ROW else { fatalError("no cursor row") }
let cursor = String(cString: sqlite3_column_text(cursorQuery, 0))
sqlite3_finalize(cursorQuery)

// Sanity: the store's page 10,000 starts right after the cursor.
let check = try store.listMessages(threadID: thread.id, ListParams(limit: options.pageSize, after: cursor))
precondition(check.data.count == options.pageSize)
precondition(check.data[0].text == "Message number \(options.messages - options.pageSize * (pageNumber - 1) - 1) of the benchmark thread.")

let repetitions = options.repetitions
let limit = Int64(options.pageSize + 1)

// Through the store: cursor resolution, range scan, JSON decoding of each message.
let storeFirst = try measure(repetitions) {
    _ = try store.listMessages(threadID: thread.id, ListParams(limit: options.pageSize))
}
let storeDeep = try measure(repetitions) {
    _ = try store.listMessages(threadID: thread.id, ListParams(limit: options.pageSize, after: cursor))
}

// SQLite directly, the same statements the store runs (cursor lookup + range scan), rows read as text.
let rawPage = raw.prepare("SELECT id, json FROM messages WHERE thread_id = ? ORDER BY seq DESC LIMIT ?")
let rawResolve = raw.prepare("SELECT seq FROM messages WHERE id = ? AND thread_id = ?")
let rawAfter = raw.prepare("SELECT id, json FROM messages WHERE thread_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?")
let rawOffset = raw.prepare("SELECT id, json FROM messages WHERE thread_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?")
let rawFirst = measure(repetitions) {
    raw.bind(rawPage, 1, thread.id)
    sqlite3_bind_int64(rawPage, 2, limit)
    precondition(raw.drain(rawPage) >= options.pageSize)
}
let rawDeep = measure(repetitions) {
    raw.bind(rawResolve, 1, cursor)
    raw.bind(rawResolve, 2, thread.id)
    precondition(sqlite3_step(rawResolve) == SQLITE_ROW)
    let seq = sqlite3_column_int64(rawResolve, 0)
    sqlite3_reset(rawResolve)
    raw.bind(rawAfter, 1, thread.id)
    sqlite3_bind_int64(rawAfter, 2, seq)
    sqlite3_bind_int64(rawAfter, 3, limit)
    precondition(raw.drain(rawAfter) >= options.pageSize)
}
// For contrast: what page 10,000 would cost with OFFSET instead of a cursor.
let rawOffsetDeep = measure(max(5, repetitions / 20)) {
    raw.bind(rawOffset, 1, thread.id)
    sqlite3_bind_int64(rawOffset, 2, limit)
    sqlite3_bind_int64(rawOffset, 3, Int64(options.pageSize * (pageNumber - 1)))
    precondition(raw.drain(rawOffset) >= options.pageSize)
}
// Where the store's time goes: decoding the page's stored JSON into `Message`s as the store does
// (our parser, then JSONValueDecoder), next to Foundation's JSONDecoder on the same bytes.
var pageJSON: [Data] = []
raw.bind(rawPage, 1, thread.id)
sqlite3_bind_int64(rawPage, 2, Int64(options.pageSize))
while sqlite3_step(rawPage) == SQLITE_ROW {
    pageJSON.append(Data(bytes: sqlite3_column_blob(rawPage, 1), count: Int(sqlite3_column_bytes(rawPage, 1))))
}
sqlite3_reset(rawPage)
let decoder = JSONDecoder()
let foundationDecodeOnly = try measure(repetitions) {
    for json in pageJSON { _ = try decoder.decode(Message.self, from: json) }
}
let decodeOnly = try measure(repetitions) {
    for json in pageJSON { _ = try JSONValueDecoder().decode(Message.self, from: try JSONValue.parse(json)) }
}
for statement in [rawPage, rawResolve, rawAfter, rawOffset] { sqlite3_finalize(statement) }
sqlite3_close(raw.db)
store.close()

// Through the bridge: `messages/list` sent to a real assistd serving the same data dir, over pipes.
var bridgeFirst: (median: Double, p90: Double)?
var bridgeDeep: (median: Double, p90: Double)?
if FileManager.default.isExecutableFile(atPath: options.assistd) {
    // NDJSON over pipes, as a script would: the timings include framing, dispatch, JSON and the pipes.
    let child = try ChildAssistd(
        executable: options.assistd, arguments: ["--framing", "ndjson", "--log-level", "error", "--data-dir", directory])
    let assistd = child.client(framing: .ndjson)
    _ = try await assistd.initialize(clientName: "store-benchmark")
    let firstParams: JSONValue = ["thread_id": .string(thread.id), "limit": .int(Int64(options.pageSize))]
    let deepParams: JSONValue = ["thread_id": .string(thread.id), "limit": .int(Int64(options.pageSize)), "after": .string(cursor)]
    let deepPage = try await assistd.request("messages/list", deepParams)
    precondition(deepPage["data"]?.arrayValue?.count == options.pageSize)
    bridgeFirst = try await measure(repetitions) { _ = try await assistd.request("messages/list", firstParams) }
    bridgeDeep = try await measure(repetitions) { _ = try await assistd.request("messages/list", deepParams) }
    await assistd.shutdown()
    _ = child.finish()
} else {
    print("no assistd at \(options.assistd): skipping the bridge rows (pass --assistd PATH)")
}

func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func number(_ value: Double) -> String {
    let text = String(format: "%.1f", value)
    return String(repeating: " ", count: max(0, 10 - text.count)) + text
}

func row(_ name: String, _ store: (median: Double, p90: Double)?, _ raw: (median: Double, p90: Double)) -> String {
    let storeText = store.map { number($0.median) + " " + number($0.p90) } ?? padded("", 20) + "—"
    let ratio = store.map { String(format: "%10.1fx", $0.median / raw.median) } ?? padded("", 10) + "—"
    return padded(name, 34) + storeText + " " + number(raw.median) + " " + number(raw.p90) + ratio
}

print("""

    thread of \(options.messages) messages, pages of \(options.pageSize), newest first; \(repetitions) runs each; µs
    \(padded("query", 34))  store med  store p90 sqlite med sqlite p90  store/sqlite
    \(row("page 1", storeFirst, rawFirst))
    \(row("page \(pageNumber) (cursor after)", storeDeep, rawDeep))
    \(row("page \(pageNumber) (OFFSET, contrast)", nil, rawOffsetDeep))
    \(row("bridge: messages/list page 1", bridgeFirst, rawFirst))
    \(row("bridge: page \(pageNumber) (cursor after)", bridgeDeep, rawDeep))

    decoding one page's \(options.pageSize) stored messages alone: \(String(format: "%.1f", decodeOnly.median)) µs median (JSONValue.parse + JSONValueDecoder, as the store does; Foundation's JSONDecoder: \(String(format: "%.1f", foundationDecodeOnly.median)) µs)

    page \(pageNumber) / page 1:  store \(String(format: "%.2f", storeDeep.median / storeFirst.median))x, sqlite \(String(format: "%.2f", rawDeep.median / rawFirst.median))x (cursor), sqlite with OFFSET \(String(format: "%.0f", rawOffsetDeep.median / rawFirst.median))x
    """)
