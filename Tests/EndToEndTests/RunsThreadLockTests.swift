import Foundation
import JSONCore
import XCTest

/// One active run per thread: the conflicting-state error, its exact text and `active_run_id`,
/// under concurrent creates, and the lock's release at every ending.
final class RunsThreadLockTests: XCTestCase {
    func testSecondRunAndNewMessagesAreRefusedWhileARunIsActive() throws {
        let client = try AssistdSession(fixture: "big_add")
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let runID = try XCTUnwrap(run.id)
        XCTAssertEqual(try client.waitRun(thread, runID).status, "requires_action")

        let second = try client.callError("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        XCTAssertEqual(second["code"], -32014)
        XCTAssertEqual(second["message"]?.stringValue, "Thread \(thread) already has an active run \(runID).")
        XCTAssertEqual(second["data"]?["active_run_id"]?.stringValue, runID)
        XCTAssertEqual(second["data"]?["status_code"], 400)
        XCTAssertNotNil(second["data"]?["request_id"]?.stringValue)

        let message = try client.callError("messages/create", ["thread_id": .string(thread), "content": "more"])
        XCTAssertEqual(message["code"], -32014)
        XCTAssertEqual(message["message"]?.stringValue, "Can't add messages to \(thread) while a run \(runID) is active.")
        XCTAssertEqual(message["data"]?["active_run_id"]?.stringValue, runID)

        // Another thread is not affected.
        let other = try client.thread()
        XCTAssertNoThrow(try client.call("messages/create", ["thread_id": .string(other), "content": "fine"]))

        // Cancelling frees the thread.
        XCTAssertEqual(try client.call("runs/cancel", ["thread_id": .string(thread), "run_id": .string(runID)]).status, "cancelled")
        XCTAssertNoThrow(try client.call("messages/create", ["thread_id": .string(thread), "content": "now"]))
        XCTAssertNoThrow(try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)]))
    }

    func testConcurrentCreatesOnOneThreadHaveOneWinner() throws {
        let client = try AssistdSession(script: ["turns": [["text": "slow", "delay_ms": 300]]])
        let assistant = try client.assistant()
        let thread = try client.thread()
        let ids = (0..<8).map { _ in client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)]) }
        let replies = try ids.map { try client.reply(to: $0) }
        let winners = replies.compactMap { $0.result }
        XCTAssertEqual(winners.count, 1, "exactly one run is created: \(replies.map(\.response))")
        let winner = try XCTUnwrap(winners.first?.id)
        for loser in replies.compactMap(\.error) {
            XCTAssertEqual(loser["code"], -32014)
            XCTAssertEqual(loser["data"]?["active_run_id"]?.stringValue, winner)
        }
        XCTAssertEqual(try client.waitRun(thread, winner).status, "completed")
        XCTAssertNoThrow(try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)]), "free after completion")
    }

    func testCreateThreadAndRunLocksItsNewThread() throws {
        let client = try AssistdSession(fixture: "big_add")
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let run = try client.call("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "thread": ["messages": [["role": "user", "content": "add"]]],
        ])
        let thread = try XCTUnwrap(run["thread_id"]?.stringValue)
        XCTAssertEqual(try client.waitRun(thread, try XCTUnwrap(run.id)).status, "requires_action")
        let error = try client.callError("messages/create", ["thread_id": .string(thread), "content": "more"])
        XCTAssertEqual(error["data"]?["active_run_id"], run["id"])
    }

    func testFailedRunFreesTheThread() throws {
        let client = try AssistdSession(script: ["turns": [["error": ["kind": "server", "message": "boom"]], ["text": "recovered"]]])
        let assistant = try client.assistant()
        let thread = try client.thread()
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        XCTAssertEqual(try client.waitRun(thread, try XCTUnwrap(run.id)).status, "failed")
        let next = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        XCTAssertEqual(try client.waitRun(thread, try XCTUnwrap(next.id)).status, "completed")
    }
}
