import Foundation
import JSONCore
import XCTest

/// Function calls through the binary with the scripted test model: the round trip, several
/// rounds, text and a call in one turn, the round cap, and what submitToolOutputs accepts.
final class RunsToolCallTests: XCTestCase {
    /// Starts a run and waits for it to settle (terminal or requires_action).
    func startRun(_ client: AssistdSession, thread: String, assistant: String, extra: JSONObject = [:]) throws -> JSONValue {
        var params: JSONObject = ["thread_id": .string(thread), "assistant_id": .string(assistant)]
        params.merge(extra) { $1 }
        let run = try client.call("runs/create", .object(params))
        return try client.waitRun(thread, try XCTUnwrap(run.id))
    }

    func pendingCalls(_ run: JSONValue) -> [JSONValue] {
        run["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue ?? []
    }

    func submit(_ client: AssistdSession, _ run: JSONValue, outputs: [(String, String)]) throws -> JSONValue {
        let submitted = try client.call("runs/submitToolOutputs", [
            "thread_id": run["thread_id"]!, "run_id": run["id"]!,
            "tool_outputs": .array(outputs.map { ["tool_call_id": .string($0.0), "output": .string($0.1)] }),
        ])
        return try client.waitRun(try XCTUnwrap(run["thread_id"]?.stringValue), try XCTUnwrap(submitted.id))
    }

    func testFunctionCallRoundTripRecordsArgumentsOutputAndTheReply() throws {
        let client = try AssistdSession(fixture: "big_add")
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread("Add 87787 and 788988737")
        let paused = try startRun(client, thread: thread, assistant: assistant)
        XCTAssertEqual(paused.status, "requires_action")
        XCTAssertEqual(paused["required_action"]?["type"], "submit_tool_outputs")
        let calls = pendingCalls(paused)
        XCTAssertEqual(calls.count, 1)
        XCTAssertEqual(calls[0]["type"], "function")
        XCTAssertEqual(calls[0]["function"]?["name"], "big_add")
        XCTAssertEqual(calls[0]["function"]?["arguments"], "{\"left\":87787,\"right\":788988737}")
        let callID = try XCTUnwrap(calls[0].id)

        let runID = try XCTUnwrap(paused.id)
        var steps = try client.steps(thread, runID)
        XCTAssertEqual(steps.map { $0["type"] }, ["tool_calls"])
        XCTAssertEqual(steps[0].status, "in_progress")
        let stepCall = steps[0]["step_details"]?["tool_calls"]?.arrayValue?.first
        XCTAssertEqual(stepCall?["function"]?["arguments"], calls[0]["function"]?["arguments"], "full arguments from the start")
        XCTAssertEqual(stepCall?["function"]?["output"], .null)

        let done = try submit(client, paused, outputs: [(callID, "789076524")])
        XCTAssertEqual(done.status, "completed")
        XCTAssertEqual(done["required_action"], .null)
        steps = try client.steps(thread, runID)
        XCTAssertEqual(steps.map { $0["type"] }, ["tool_calls", "message_creation"])
        XCTAssertEqual(steps.map(\.status), ["completed", "completed"])
        XCTAssertEqual(steps[0]["step_details"]?["tool_calls"]?.arrayValue?.first?["function"]?["output"], "789076524")
        XCTAssertNotNil(steps[0]["usage"]?["total_tokens"]?.intValue)
        let total = steps.compactMap { $0["usage"]?["total_tokens"]?.intValue }.reduce(0, +)
        XCTAssertEqual(done["usage"]?["total_tokens"]?.intValue, total, "the run's usage is the sum of its steps'")
        XCTAssertEqual(try client.messages(thread).last?.messageText, "The sum is 789076524.")
    }

    func testTwoAndThreeRoundsEachPauseAndResume() throws {
        for rounds in [2, 3] {
            let turns: [JSONValue] = (1...rounds).map { round in
                ["tool_calls": [["name": "big_add", "arguments": ["left": .int(Int64(round)), "right": 1]]]]
            } + [["text": "Finished after {{last_tool_output}}."]]
            let client = try AssistdSession(script: ["turns": .array(turns)])
            let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
            let thread = try client.thread()
            var run = try startRun(client, thread: thread, assistant: assistant)
            for round in 1...rounds {
                XCTAssertEqual(run.status, "requires_action", "round \(round) of \(rounds)")
                let call = try XCTUnwrap(pendingCalls(run).first)
                XCTAssertEqual(call["function"]?["arguments"], .string("{\"left\":\(round),\"right\":1}"))
                run = try submit(client, run, outputs: [(try XCTUnwrap(call.id), "round \(round)")])
            }
            XCTAssertEqual(run.status, "completed")
            let steps = try client.steps(thread, try XCTUnwrap(run.id))
            XCTAssertEqual(steps.map { $0["type"]?.stringValue ?? "" }, Array(repeating: "tool_calls", count: rounds) + ["message_creation"])
            XCTAssertEqual(try client.messages(thread).last?.messageText, "Finished after round \(rounds).")
        }
    }

    func testTextAndAToolCallInOneTurn() throws {
        let client = try AssistdSession(script: ["turns": [
            ["text": "Let me add those.", "tool_calls": [["name": "big_add", "arguments": ["left": 2, "right": 3]]]],
            ["text": "It is {{last_tool_output}}."],
        ]])
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let id = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let reply = try client.reply(to: id)
        XCTAssertEqual(reply.eventNames, [
            "thread.run.created", "thread.run.queued", "thread.run.in_progress",
            "thread.run.step.created", "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress",
            "thread.message.delta", "thread.message.delta", "thread.message.completed", "thread.run.step.completed",
            "thread.run.step.created", "thread.run.step.in_progress", "thread.run.step.delta", "thread.run.requires_action", "done",
        ], "the message step completes first, then the tool step is created")
        let run = try XCTUnwrap(reply.result)
        let done = try submit(client, run, outputs: [(try XCTUnwrap(pendingCalls(run).first?.id), "5")])
        XCTAssertEqual(done.status, "completed")
        XCTAssertEqual(try client.messages(thread).compactMap(\.messageText), ["hello", "Let me add those.", "It is 5."])
        XCTAssertEqual(try client.steps(thread, try XCTUnwrap(run.id)).map { $0["type"] }, ["message_creation", "tool_calls", "message_creation"])
    }

    func testToolRoundCapEndsIncomplete() throws {
        let client = try AssistdSession(
            script: ["turns": [["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 1]]]]]],
            arguments: ["--max-tool-rounds", "2"])
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        var run = try startRun(client, thread: thread, assistant: assistant)
        for _ in 1...2 {
            XCTAssertEqual(run.status, "requires_action")
            run = try submit(client, run, outputs: [(try XCTUnwrap(pendingCalls(run).first?.id), "2")])
        }
        XCTAssertEqual(run.status, "incomplete")
        XCTAssertEqual(run["incomplete_details"]?["reason"], "max_rounds")
        XCTAssertNotNil(run["usage"]?["total_tokens"]?.intValue)
        // The thread is free again.
        XCTAssertNoThrow(try client.call("messages/create", ["thread_id": .string(thread), "content": "again"]))
    }

    func testSubmitAcceptsOnlyAWaitingRunAndExactlyThePendingCalls() throws {
        let client = try AssistdSession(script: ["turns": [
            ["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]], ["name": "big_add", "arguments": ["left": 3, "right": 4]]]],
            ["text": "Sums: {{last_tool_output}}"],
        ]])
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let run = try startRun(client, thread: thread, assistant: assistant)
        let ids = pendingCalls(run).compactMap(\.id)
        XCTAssertEqual(ids.count, 2)
        XCTAssertNotEqual(ids[0], ids[1])
        func attempt(_ outputs: JSONValue) throws -> JSONValue {
            try client.callError("runs/submitToolOutputs", ["thread_id": run["thread_id"]!, "run_id": run["id"]!, "tool_outputs": outputs])
        }
        var error = try attempt([["tool_call_id": .string(ids[0]), "output": "3"]])
        XCTAssertEqual(error["code"], -32602)
        XCTAssertTrue(error["message"]?.stringValue?.contains(ids[1]) == true, "names the missing call: \(error)")
        error = try attempt([["tool_call_id": .string(ids[0]), "output": "3"], ["tool_call_id": "call_nope", "output": "7"]])
        XCTAssertEqual(error["data"]?["param"], "tool_outputs[1].tool_call_id")
        error = try attempt([["tool_call_id": .string(ids[0]), "output": "3"], ["tool_call_id": .string(ids[0]), "output": "7"]])
        XCTAssertTrue(error["message"]?.stringValue?.contains("twice") == true, "\(error)")
        error = try attempt([["tool_call_id": "", "output": "3"]])
        XCTAssertTrue(error["message"]?.stringValue?.contains("expected 2 outputs") == true, "\(error)")
        XCTAssertEqual(try client.retrieveRun(thread, try XCTUnwrap(run.id)).status, "requires_action", "refused submissions change nothing")

        // Empty ids match the pending calls by position.
        let submitted = try client.call("runs/submitToolOutputs", [
            "thread_id": run["thread_id"]!, "run_id": run["id"]!,
            "tool_outputs": [["tool_call_id": "", "output": "3"], ["tool_call_id": "", "output": "7"]],
        ])
        let done = try client.waitRun(thread, try XCTUnwrap(submitted.id))
        XCTAssertEqual(done.status, "completed")
        let outputs = try client.steps(thread, try XCTUnwrap(run.id))[0]["step_details"]?["tool_calls"]?.arrayValue?.map { $0["function"]?["output"] }
        XCTAssertEqual(outputs, ["3", "7"])

        // Not waiting any more: refused with the conflicting-state error.
        error = try attempt([["tool_call_id": "", "output": "3"], ["tool_call_id": "", "output": "7"]])
        XCTAssertEqual(error["code"], -32014)
        XCTAssertTrue(error["message"]?.stringValue?.contains("completed") == true, "names the status: \(error)")
    }

    func testOutputsNamedOutOfOrderLandOnTheirCalls() throws {
        let client = try AssistdSession(script: ["turns": [
            ["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]], ["name": "big_add", "arguments": ["left": 3, "right": 4]]]],
            ["text": "ok"],
        ]])
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let run = try startRun(client, thread: thread, assistant: assistant)
        let ids = pendingCalls(run).compactMap(\.id)
        let done = try submit(client, run, outputs: [(ids[1], "seven"), (ids[0], "three")])
        XCTAssertEqual(done.status, "completed")
        let calls = try client.steps(thread, try XCTUnwrap(run.id))[0]["step_details"]?["tool_calls"]?.arrayValue ?? []
        XCTAssertEqual(calls.map { $0.id }, ids)
        XCTAssertEqual(calls.map { $0["function"]?["output"] }, ["three", "seven"])
    }

    func testModelFailuresEndTheRunFailedWithTheirCodes() throws {
        let cases: [(kind: String, code: String)] = [("rate_limited", "rate_limit_exceeded"), ("invalid_prompt", "invalid_prompt"), ("server", "server_error")]
        for (kind, code) in cases {
            let client = try AssistdSession(script: ["turns": [["error": ["kind": .string(kind), "message": .string("scripted \(kind)")]]]])
            let assistant = try client.assistant()
            let thread = try client.thread()
            let run = try startRun(client, thread: thread, assistant: assistant)
            XCTAssertEqual(run.status, "failed", kind)
            XCTAssertEqual(run["last_error"]?["code"]?.stringValue, code)
            XCTAssertEqual(run["last_error"]?["message"]?.stringValue, "scripted \(kind)")
            XCTAssertNotNil(run["failed_at"]?.intValue)
            XCTAssertNoThrow(try client.call("messages/create", ["thread_id": .string(thread), "content": "still usable"]), "a failed run frees its thread")
        }
    }

    func testContentFilterStopEndsIncomplete() throws {
        let client = try AssistdSession(script: ["turns": [
            ["text": "content filtered", "finish": "content_filter"],
        ]])
        let assistant = try client.assistant()
        let thread = try client.thread()
        let run = try startRun(client, thread: thread, assistant: assistant)
        XCTAssertEqual(run.status, "incomplete")
        XCTAssertEqual(run["incomplete_details"]?["reason"], "content_filter")
    }
}
