import Foundation
import JSONCore
import XCTest

/// Two assistd processes serving one data dir at once (WAL + busy timeout): concurrent writes
/// from both land, the thread lock holds across processes, and a third process reads it all back.
final class SharedDataDirTests: XCTestCase {
    func temporaryDataDir() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-shared-\(UUID().uuidString)")
    }

    func testTwoProcessesWriteTheSameDataDirAtOnce() throws {
        let dataDir = temporaryDataDir()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let script: JSONValue = ["turns": [["text": "ok", "chunks": 1]]]
        let first = try AssistdSession(script: script, arguments: ["--data-dir", dataDir])
        let second = try AssistdSession(script: script, arguments: ["--data-dir", dataDir])
        let threadA = try first.thread("from the first process")
        let threadB = try second.thread("from the second process")

        // Pipelined: each process gets 100 writes for each thread before any answer is read.
        let perProcess = 100
        var pending: [(AssistdSession, JSONValue)] = []
        for index in 0..<perProcess {
            for (client, name) in [(first, "first"), (second, "second")] {
                for thread in [threadA, threadB] {
                    let id = client.send("messages/create", [
                        "thread_id": .string(thread), "content": .string("\(name) \(index)"), "metadata": ["n": .string(String(index))],
                    ])
                    pending.append((client, id))
                }
            }
        }
        for (client, id) in pending {
            let reply = try client.reply(to: id)
            XCTAssertNil(reply.error, "\(reply.response)")
        }

        // A third process reads both threads whole, page by page.
        let reader = try AssistdSession(script: script, arguments: ["--data-dir", dataDir])
        for thread in [threadA, threadB] {
            var texts: [String] = []
            var after: String?
            while true {
                var params: JSONObject = ["thread_id": .string(thread), "order": "asc", "limit": 100]
                if let after { params["after"] = .string(after) }
                let page = try reader.call("messages/list", .object(params))
                texts += (page["data"]?.arrayValue ?? []).compactMap { $0["content"]?[0]?["text"]?["value"]?.stringValue }
                guard page["has_more"] == true, let last = page["last_id"]?.stringValue else { break }
                after = last
            }
            XCTAssertEqual(texts.count, 1 + 2 * perProcess, thread)
            // Each process's pipelined changes to a thread take effect in its send order
            // (protocol/README.md); the two processes' messages interleave in any way.
            for name in ["first", "second"] {
                let mine = texts.filter { $0.hasPrefix(name + " ") }
                XCTAssertEqual(mine, (0..<perProcess).map { "\(name) \($0)" }, "\(name)'s messages in \(thread)")
            }
        }
    }

    func testTheThreadLockHoldsAcrossProcesses() throws {
        let dataDir = temporaryDataDir()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let slow: JSONValue = ["turns": [["text": "a slow reply", "chunks": 4, "delay_ms": 500]]]
        let first = try AssistdSession(script: slow, arguments: ["--data-dir", dataDir])
        let second = try AssistdSession(script: slow, arguments: ["--data-dir", dataDir])
        let assistant = try first.assistant()
        let thread = try first.thread()
        let run = try first.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let runID = try XCTUnwrap(run["id"]?.stringValue)

        let refusedMessage = try second.callError("messages/create", ["thread_id": .string(thread), "content": "me too"])
        XCTAssertEqual(refusedMessage["code"], -32014)
        XCTAssertEqual(refusedMessage["data"]?["active_run_id"]?.stringValue, runID)
        let refusedRun = try second.callError("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        XCTAssertEqual(refusedRun["code"], -32014)
        XCTAssertEqual(refusedRun["message"]?.stringValue, "Thread \(thread) already has an active run \(runID).")

        // The second process polls storage for a run it does not execute.
        let waited = try second.call("runs/wait", ["thread_id": .string(thread), "run_id": .string(runID)])
        XCTAssertEqual(waited["status"], "completed")
        XCTAssertNil(try second.call("messages/create", ["thread_id": .string(thread), "content": "now"])["error"])
    }
}
