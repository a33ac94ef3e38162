import Foundation
import JSONCore
import XCTest

/// A second assistd on the same `--data-dir` after the first was killed (SIGKILL) mid-run:
/// queued and in-progress runs are failed with server_error, waiting runs survive and expire.
final class RunsRestartTests: XCTestCase {
    func dataDirectory() -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-restart-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testRunKilledMidReplyIsFailedByTheNextProcess() throws {
        let directory = dataDirectory()
        var thread = ""
        var runID = ""
        do {
            let first = try AssistdSession(
                script: ["turns": [["text": "a long reply that never ends", "chunks": 6, "delay_ms": 1000]]],
                arguments: ["--data-dir", directory])
            let assistant = try first.assistant()
            thread = try first.thread()
            let id = first.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
            try first.pump(until: { first.pendingEvents(of: id).contains { $0["event"] == "thread.message.delta" } })
            runID = try XCTUnwrap(first.pendingEvents(of: id).first?["data"]?.id)
            first.process.killHard()
        }
        let second = try AssistdSession(script: ["turns": [["text": "fresh start"]]], arguments: ["--data-dir", directory])
        let run = try second.retrieveRun(thread, runID)
        XCTAssertEqual(run.status, "failed")
        XCTAssertEqual(run["last_error"]?["code"], "server_error")
        XCTAssertEqual(run["last_error"]?["message"], "assistd stopped while this run was in_progress; it was not resumed.")
        XCTAssertNotNil(run["failed_at"]?.intValue)
        let message = try XCTUnwrap(second.messages(thread).last)
        XCTAssertEqual(message["role"], "assistant")
        XCTAssertEqual(message.status, "incomplete")
        XCTAssertEqual(message["incomplete_details"]?["reason"], "run_failed")
        XCTAssertEqual(try second.steps(thread, runID).map(\.status), ["failed"])
        XCTAssertEqual(try second.waitRun(thread, runID).status, "failed", "runs/wait returns at once")

        // The thread is free again.
        let assistant = try second.assistant()
        let next = try second.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        XCTAssertEqual(try second.waitRun(thread, try XCTUnwrap(next.id)).status, "completed")
        XCTAssertEqual(try second.messages(thread).last?.messageText, "fresh start")
    }

    func testWaitingRunSurvivesARestartAndTakesItsOutputs() throws {
        let directory = dataDirectory()
        var thread = ""
        var runID = ""
        var callID = ""
        do {
            let first = try AssistdSession(fixture: "big_add", arguments: ["--data-dir", directory])
            let assistant = try first.assistant(tools: [AssistdSession.bigAdd])
            thread = try first.thread("Add 87787 and 788988737")
            let run = try first.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
            runID = try XCTUnwrap(run.id)
            let paused = try first.waitRun(thread, runID)
            XCTAssertEqual(paused.status, "requires_action")
            callID = try XCTUnwrap(paused["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue?.first?.id)
            first.process.killHard()
        }
        let second = try AssistdSession(fixture: "big_add", arguments: ["--data-dir", directory])
        let survived = try second.retrieveRun(thread, runID)
        XCTAssertEqual(survived.status, "requires_action")
        let conflict = try second.callError("messages/create", ["thread_id": .string(thread), "content": "x"])
        XCTAssertEqual(conflict["data"]?["active_run_id"]?.stringValue, runID, "still holds its thread")
        let id = second.send("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": .string(runID), "stream": true,
            "tool_outputs": [["tool_call_id": .string(callID), "output": "789076524"]],
        ])
        let reply = try second.reply(to: id)
        assertWellFormedStream(reply, requestID: id, log: second.log)
        XCTAssertEqual(reply.result?.status, "completed")
        XCTAssertEqual(try second.messages(thread).last?.messageText, "The sum is 789076524.")
    }

    func testWaitingRunStillExpiresAfterARestart() throws {
        let directory = dataDirectory()
        var thread = ""
        var runID = ""
        do {
            let first = try AssistdSession(fixture: "big_add", arguments: ["--data-dir", directory, "--run-expiry", "2"])
            let assistant = try first.assistant(tools: [AssistdSession.bigAdd])
            thread = try first.thread()
            let run = try first.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
            runID = try XCTUnwrap(run.id)
            XCTAssertEqual(try first.waitRun(thread, runID).status, "requires_action")
            first.process.killHard()
        }
        let second = try AssistdSession(fixture: "big_add", arguments: ["--data-dir", directory])
        let expired = try second.pollRun(thread, runID, until: ["expired", "cancelled", "failed", "completed"])
        XCTAssertEqual(expired.status, "expired")
        XCTAssertEqual(try second.steps(thread, runID).map(\.status), ["expired"])
        XCTAssertNoThrow(try second.call("messages/create", ["thread_id": .string(thread), "content": "free"]))
    }
}
