import Foundation
import JSONCore
import XCTest

/// runs/cancel sent to one assistd for a run another assistd (same data dir) executes: only the
/// executing process ends it, within a bounded time, and nothing later overwrites `cancelled`.
final class SharedDataDirCancelTests: XCTestCase {
    /// 40 chunks 100 ms apart: a reply that streams for 4 s unless cancelled; "again" is quick.
    static let script: JSONValue = [
        "turns": [["text": .string(Array(repeating: "word", count: 40).joined(separator: " ")), "chunks": 40, "delay_ms": 100]],
        "rules": [["when_last_user_contains": "again", "turn": ["text": "quick"]]],
    ]

    func temporaryDataDir() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-xcancel-\(UUID().uuidString)")
    }

    func cancel(_ client: AssistdSession, _ thread: String, _ run: String) throws -> JSONValue {
        try client.call("runs/cancel", ["thread_id": .string(thread), "run_id": .string(run)])
    }

    func testCancelFromAnotherProcessStopsTheOwnersStreamAndStaysCancelled() throws {
        let dataDir = temporaryDataDir()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let owner = try AssistdSession(script: Self.script, arguments: ["--data-dir", dataDir])
        let other = try AssistdSession(script: Self.script, arguments: ["--data-dir", dataDir])
        let assistant = try owner.assistant()
        let thread = try owner.thread()

        var elapsed: [Double] = []
        var runIDs: [String] = []
        for round in 0..<5 {
            if round > 0 {
                _ = try other.call("messages/create", ["thread_id": .string(thread), "content": "go on"])
            }
            let id = owner.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
            try owner.pump(until: { owner.pendingEvents(of: id).contains { $0["event"] == "thread.message.delta" } })
            let runID = try XCTUnwrap(owner.pendingEvents(of: id).first?["data"]?.id)
            runIDs.append(runID)

            let started = Date()
            let answer = try cancel(other, thread, runID)
            XCTAssertEqual(answer.status, "cancelling", "the other process answers the run as cancelling")
            let reply = try owner.reply(to: id, within: 10)
            elapsed.append(Date().timeIntervalSince(started))
            assertWellFormedStream(reply, requestID: id, log: owner.log)
            XCTAssertEqual(reply.result?.status, "cancelled")
            XCTAssertEqual(Array(reply.eventNames.suffix(2)), ["thread.run.cancelled", "done"])
            XCTAssertFalse(reply.eventNames.contains("thread.message.completed"))

            XCTAssertEqual(try other.waitRun(thread, runID).status, "cancelled")
            XCTAssertEqual(try cancel(other, thread, runID).status, "cancelled", "a second cancel returns it unchanged")
        }
        let sorted = elapsed.sorted()
        print("cross-process cancel → owner's stream ended: median \(Int(sorted[2] * 1000)) ms, max \(Int(sorted[4] * 1000)) ms")
        XCTAssertLessThanOrEqual(sorted[4], 1.0, "every cancel stops the owner within 1 s: \(elapsed)")

        // Past the end the uncancelled reply would have had: still cancelled, in both processes.
        Thread.sleep(forTimeInterval: 4.5)
        for runID in runIDs {
            XCTAssertEqual(try other.retrieveRun(thread, runID).status, "cancelled")
            XCTAssertEqual(try owner.retrieveRun(thread, runID).status, "cancelled")
            XCTAssertEqual(try other.steps(thread, runID).map(\.status), ["cancelled"])
        }
        // The thread takes a new run, from either process.
        _ = try other.call("messages/create", ["thread_id": .string(thread), "content": "again"])
        let next = try other.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        XCTAssertEqual(try other.waitRun(thread, try XCTUnwrap(next.id)).status, "completed")
    }

    func testCancelFromAnotherProcessOfARunWaitingForToolOutputs() throws {
        let dataDir = temporaryDataDir()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let owner = try AssistdSession(fixture: "big_add", arguments: ["--data-dir", dataDir])
        let other = try AssistdSession(fixture: "big_add", arguments: ["--data-dir", dataDir])
        let assistant = try owner.assistant(tools: [AssistdSession.bigAdd])
        let thread = try owner.thread()
        let run = try owner.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let runID = try XCTUnwrap(run.id)
        XCTAssertEqual(try owner.waitRun(thread, runID).status, "requires_action")

        // No turn to stop: the process asked ends it at once.
        let cancelled = try cancel(other, thread, runID)
        XCTAssertEqual(cancelled.status, "cancelled")
        XCTAssertEqual(try owner.retrieveRun(thread, runID).status, "cancelled")
        XCTAssertEqual(try owner.steps(thread, runID).map(\.status), ["cancelled"])
        let submit = try owner.callError("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": .string(runID), "tool_outputs": [["tool_call_id": "", "output": "1"]],
        ])
        XCTAssertEqual(submit["code"], -32014, "the owner refuses outputs for the run the other process cancelled")
        XCTAssertNoThrow(try owner.call("messages/create", ["thread_id": .string(thread), "content": "free"]))
    }

    func testCancelFromAnotherProcessOfAFinishedRunChangesNothing() throws {
        let dataDir = temporaryDataDir()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let owner = try AssistdSession(script: ["turns": [["text": "done"]]], arguments: ["--data-dir", dataDir])
        let other = try AssistdSession(script: ["turns": [["text": "done"]]], arguments: ["--data-dir", dataDir])
        let assistant = try owner.assistant()
        let thread = try owner.thread()
        let run = try owner.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let finished = try owner.waitRun(thread, try XCTUnwrap(run.id))
        XCTAssertEqual(finished.status, "completed")
        for _ in 0..<2 {
            let answer = try cancel(other, thread, try XCTUnwrap(run.id))
            XCTAssertEqual(answer.status, "completed")
            XCTAssertEqual(answer["completed_at"], finished["completed_at"])
        }
        XCTAssertEqual(try owner.retrieveRun(thread, try XCTUnwrap(run.id)).status, "completed")
    }
}
