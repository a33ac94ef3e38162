import Foundation
import JSONCore
import XCTest

/// `--run-expiry` on runs waiting for tool outputs, and `runs/wait`'s three endings.
final class RunsExpiryAndWaitTests: XCTestCase {
    func testWaitingRunExpiresAndFreesItsThread() throws {
        let client = try AssistdSession(fixture: "big_add", arguments: ["--run-expiry", "1"])
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let runID = try XCTUnwrap(run.id)
        let created = try XCTUnwrap(run["created_at"]?.intValue)
        XCTAssertEqual(run["expires_at"]?.intValue, created + 1000, "expires_at is created_at + --run-expiry")
        XCTAssertEqual(try client.waitRun(thread, runID).status, "requires_action")

        let expired = try client.pollRun(thread, runID, until: ["expired", "cancelled", "failed", "completed"])
        XCTAssertEqual(expired.status, "expired")
        XCTAssertEqual(expired["required_action"], .null)
        XCTAssertEqual(try client.steps(thread, runID).map(\.status), ["expired"])
        XCTAssertNotNil(try client.steps(thread, runID).first?["expired_at"]?.intValue)

        let late = try client.callError("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": .string(runID), "tool_outputs": [["tool_call_id": "", "output": "3"]],
        ])
        XCTAssertEqual(late["code"], -32014)
        XCTAssertTrue(late["message"]?.stringValue?.contains("expired") == true, "\(late)")
        XCTAssertNoThrow(try client.call("messages/create", ["thread_id": .string(thread), "content": "free"]))
        XCTAssertEqual(try client.call("runs/cancel", ["thread_id": .string(thread), "run_id": .string(runID)]).status, "expired",
                       "cancel of an expired run changes nothing")
    }

    func testSubmitJustAfterExpiryIsRefusedEvenBeforeTheTimerFires() throws {
        // Expiry is also checked when outputs arrive, whatever the timer's progress.
        let client = try AssistdSession(fixture: "big_add", arguments: ["--run-expiry", "1"])
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let runID = try XCTUnwrap(run.id)
        XCTAssertEqual(try client.waitRun(thread, runID).status, "requires_action")
        let expiresAt = try XCTUnwrap(run["expires_at"]?.intValue)
        while Int64(Date().timeIntervalSince1970 * 1000) <= expiresAt { usleep(20_000) }
        let late = try client.callError("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": .string(runID), "tool_outputs": [["tool_call_id": "", "output": "3"]],
        ])
        XCTAssertEqual(late["code"], -32014)
        XCTAssertEqual(try client.retrieveRun(thread, runID).status, "expired")
    }

    func testWaitReturnsAtRequiresActionAtTheEndAndAtItsTimeout() throws {
        let client = try AssistdSession(script: ["turns": [
            ["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]]]],
            ["text": "slow answer", "chunks": 4, "delay_ms": 400],
        ]])
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let runID = try XCTUnwrap(run.id)
        XCTAssertEqual(try client.waitRun(thread, runID).status, "requires_action")
        _ = try client.call("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": .string(runID), "tool_outputs": [["tool_call_id": "", "output": "3"]],
        ])
        let early = try client.waitRun(thread, runID, timeoutMs: 50)
        XCTAssertTrue(["queued", "in_progress"].contains(early.status ?? ""), "the timeout returns the run as it stands: \(early)")
        // Several waiters at once all return at the end.
        let waiters = (0..<3).map { _ in client.send("runs/wait", ["thread_id": .string(thread), "run_id": .string(runID)]) }
        for waiter in waiters {
            XCTAssertEqual(try client.reply(to: waiter).result?.status, "completed")
        }
        let missing = try client.callError("runs/wait", ["thread_id": .string(thread), "run_id": "run_missing"])
        XCTAssertEqual(missing["code"], -32010)
    }
}
