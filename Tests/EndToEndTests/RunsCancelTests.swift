import Foundation
import JSONCore
import XCTest

/// runs/cancel from every status a client can reach through the binary, its idempotence, what it
/// closes, and its race with a run that is just starting.
final class RunsCancelTests: XCTestCase {
    func cancel(_ client: AssistdSession, _ thread: String, _ run: String) throws -> JSONValue {
        try client.call("runs/cancel", ["thread_id": .string(thread), "run_id": .string(run)])
    }

    func testCancelWhileTheModelIsStreamingGoesThroughCancellingToCancelled() throws {
        let client = try AssistdSession(script: ["turns": [["text": "one two three four five six seven eight", "chunks": 8, "delay_ms": 200]]])
        let assistant = try client.assistant()
        let thread = try client.thread()
        let id = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        try client.pump(until: { client.pendingEvents(of: id).contains { $0["event"] == "thread.message.delta" } })
        let runID = try XCTUnwrap(client.pendingEvents(of: id).first?["data"]?.id)

        let answer = try cancel(client, thread, runID)
        XCTAssertEqual(answer.status, "cancelling", "an in-flight model call is answered cancelling")
        let again = try cancel(client, thread, runID)
        XCTAssertTrue(["cancelling", "cancelled"].contains(again.status ?? ""), "a second cancel is harmless: \(again)")

        let reply = try client.reply(to: id)
        assertWellFormedStream(reply, requestID: id, log: client.log)
        let names = reply.eventNames
        XCTAssertEqual(Array(names.suffix(5)), [
            "thread.run.cancelling", "thread.message.incomplete", "thread.run.step.cancelled", "thread.run.cancelled", "done",
        ])
        XCTAssertFalse(names.contains("thread.message.completed"))
        XCTAssertEqual(reply.result?.status, "cancelled")
        XCTAssertNotNil(reply.result?["cancelled_at"]?.intValue)

        let message = try XCTUnwrap(client.messages(thread).last)
        XCTAssertEqual(message.status, "incomplete")
        XCTAssertEqual(message["incomplete_details"]?["reason"], "run_cancelled")
        let steps = try client.steps(thread, runID)
        XCTAssertEqual(steps.map(\.status), ["cancelled"])

        let terminal = try cancel(client, thread, runID)
        XCTAssertEqual(terminal.status, "cancelled")
        XCTAssertEqual(terminal["cancelled_at"], reply.result?["cancelled_at"], "a cancelled run is returned unchanged")
        XCTAssertNoThrow(try client.call("messages/create", ["thread_id": .string(thread), "content": "free"]))
    }

    func testCancelInRequiresActionEndsAtOnceAndCancelsTheToolStep() throws {
        let client = try AssistdSession(fixture: "big_add")
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let runID = try XCTUnwrap(run.id)
        XCTAssertEqual(try client.waitRun(thread, runID).status, "requires_action")
        let cancelled = try cancel(client, thread, runID)
        XCTAssertEqual(cancelled.status, "cancelled")
        XCTAssertEqual(cancelled["required_action"], .null)
        XCTAssertEqual(try client.steps(thread, runID).map(\.status), ["cancelled"])
        let submit = try client.callError("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": .string(runID), "tool_outputs": [["tool_call_id": "", "output": "1"]],
        ])
        XCTAssertEqual(submit["code"], -32014, "outputs for a cancelled run are refused")
    }

    func testCancelOfAFinishedRunIsIdempotentAndChangesNothing() throws {
        let client = try AssistdSession(script: ["turns": [["text": "done"]]])
        let assistant = try client.assistant()
        let thread = try client.thread()
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let finished = try client.waitRun(thread, try XCTUnwrap(run.id))
        XCTAssertEqual(finished.status, "completed")
        for _ in 0..<2 {
            let answer = try cancel(client, thread, try XCTUnwrap(run.id))
            XCTAssertEqual(answer.status, "completed")
            XCTAssertEqual(answer["completed_at"], finished["completed_at"])
            XCTAssertEqual(answer["cancelled_at"], .null)
        }
        let unknown = try client.callError("runs/cancel", ["thread_id": .string(thread), "run_id": "run_nope"])
        XCTAssertEqual(unknown["code"], -32010)
    }

    /// A cancel sent the moment the run exists (its first event) may find it queued or in
    /// progress; either way the run ends cancelled and stays so.
    func testCancelRacingTheStartOfARunAlwaysEndsCancelled() throws {
        let client = try AssistdSession(script: ["turns": [["text": "abcdef", "chunks": 3, "delay_ms": 20]]])
        let assistant = try client.assistant()
        for _ in 0..<10 {
            let thread = try client.thread()
            let id = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
            try client.pump(until: { !client.pendingEvents(of: id).isEmpty })
            let runID = try XCTUnwrap(client.pendingEvents(of: id).first?["data"]?.id)
            let answer = try cancel(client, thread, runID)
            XCTAssertTrue(["cancelling", "cancelled"].contains(answer.status ?? ""), "\(answer)")
            let reply = try client.reply(to: id)
            assertWellFormedStream(reply, requestID: id, log: client.log)
            XCTAssertEqual(reply.result?.status, "cancelled")
            XCTAssertEqual(try client.waitRun(thread, runID).status, "cancelled")
            XCTAssertFalse(reply.eventNames.contains("thread.run.completed"))
        }
    }
}
