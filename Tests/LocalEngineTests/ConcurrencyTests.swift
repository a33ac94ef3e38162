import AssistantAPI
import Dispatch
import Foundation
import XCTest

@testable import LocalEngine

/// Several writers on one data directory: two stores (two connections) in this process, and a
/// second process (Python's sqlite3 module, standing in for another assistd) — no lost rows, no
/// SQLITE_BUSY surfacing, a sound file afterwards.
final class ConcurrencyTests: XCTestCase {
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [String] = []
        func add(_ error: any Error) { lock.withLock { errors.append("\(error)") } }
        var all: [String] { lock.withLock { errors } }
    }

    func testTwoStoresWritingAtOnce() throws {
        let directory = temporaryDirectory()
        let stores = [try Store.open(location: .file(directory: directory)), try Store.open(location: .file(directory: directory))]
        defer { stores.forEach { $0.close() } }
        let thread = try Make.thread(stores[0])
        let perWriter = 300
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            let store = stores[writer]
            do {
                for index in 0..<perWriter {
                    // Each a check-then-write transaction, as message creation is.
                    try store.transaction {
                        _ = try store.activeRun(threadID: thread.id)
                        try store.insertMessage(Make.message(threadID: thread.id, "w\(writer)-\(index)"))
                    }
                    if index % 50 == 0 {
                        _ = try store.listMessages(threadID: thread.id, ListParams(limit: 10))
                    }
                }
            } catch {
                failures.add(error)
            }
        }
        XCTAssertEqual(failures.all, [])
        XCTAssertEqual(try stores[1].messageCount(threadID: thread.id), 2 * perWriter)
        let texts = Set(try stores[0].messages(threadID: thread.id).map(\.text))
        XCTAssertEqual(texts.count, 2 * perWriter)
        XCTAssertEqual(try stores[0].integrityCheck(), ["ok"])
    }

    /// Several stores opening a fresh directory at once: one creates and migrates it, none fails.
    func testOpeningAFreshDirectoryAtOnce() throws {
        let directory = temporaryDirectory()
        let failures = Failures()
        final class Opened: @unchecked Sendable {
            let lock = NSLock()
            var stores: [Store] = []
        }
        let opened = Opened()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                let store = try Store.open(location: .file(directory: directory))
                _ = try Make.thread(store)
                opened.lock.withLock { opened.stores.append(store) }
            } catch {
                failures.add(error)
            }
        }
        XCTAssertEqual(failures.all, [])
        XCTAssertEqual(opened.stores.count, 4)
        for store in opened.stores {
            XCTAssertEqual(try store.schemaVersion(), Schema.latestVersion)
            store.close()
        }
        let store = try Store.open(location: .file(directory: directory))
        defer { store.close() }
        let threads = try store.withConnection { try $0.scalarInt("SELECT count(*) FROM threads") }
        XCTAssertEqual(threads, 4)
    }

    func testAnotherProcessWritingAtTheSameTime() throws {
        let directory = temporaryDirectory()
        let store = try Store.open(location: .file(directory: directory))
        defer { store.close() }
        let thread = try Make.thread(store)
        let perWriter = 200

        // The other process writes rows the store can read back, each in its own write transaction.
        let script = """
            import json, sqlite3, sys, uuid
            path, thread, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
            db.execute("PRAGMA foreign_keys = ON")
            print("ready", flush=True)
            for i in range(count):
                mid = "message_" + str(uuid.uuid4())
                body = {"id": mid, "object": "thread.message", "created_at": 1, "thread_id": thread, "role": "user",
                        "content": [{"type": "text", "text": {"value": "py-%d" % i, "annotations": []}}],
                        "file_ids": [], "metadata": {}}
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO messages (id, thread_id, run_id, created_at, json) VALUES (?, ?, NULL, 1, ?)",
                           (mid, thread, json.dumps(body)))
                db.execute("COMMIT")
            print(db.execute("PRAGMA journal_mode").fetchone()[0], flush=True)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, store.path, thread.id, String(perWriter)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        // Start writing once the other process has its connection open.
        let reader = output.fileHandleForReading
        var firstLine = Data()
        while !firstLine.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            firstLine += chunk
        }
        XCTAssertTrue(String(decoding: firstLine, as: UTF8.self).hasPrefix("ready"))
        for index in 0..<perWriter {
            try store.transaction {
                try store.insertMessage(Make.message(threadID: thread.id, "swift-\(index)"))
            }
        }
        let rest = reader.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertTrue(String(decoding: firstLine + rest, as: UTF8.self).contains("wal"), "the other process saw WAL mode")

        let messages = try store.messages(threadID: thread.id)
        XCTAssertEqual(messages.count, 2 * perWriter)
        XCTAssertEqual(messages.filter { $0.text.hasPrefix("py-") }.count, perWriter)
        XCTAssertEqual(messages.filter { $0.text.hasPrefix("swift-") }.count, perWriter)
        XCTAssertEqual(try store.integrityCheck(), ["ok"])
    }
}
