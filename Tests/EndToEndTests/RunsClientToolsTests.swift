import Foundation
import JSONCore
import XCTest

/// `handle_tools`: the bridge asks the client through `tools/call` (all of a round's calls at
/// once), submits the outputs itself and keeps one stream with a single `done`.
final class RunsClientToolsTests: XCTestCase {
    static let twoCalls: JSONValue = ["turns": [
        ["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]], ["name": "big_add", "arguments": ["left": 30, "right": 40]]]],
        ["text": "Last output: {{last_tool_output}}"],
    ]]

    func testConcurrentCallsOneStreamOneDone() throws {
        let client = try AssistdSession(script: Self.twoCalls)
        client.toolHandler = { _ in .hold }
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let id = client.send("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true, "handle_tools": true,
        ])
        // Both calls arrive before either is answered: they are asked concurrently.
        try client.pump(until: { client.toolCalls.count == 2 })
        let calls = client.toolCalls
        XCTAssertEqual(Set(calls.compactMap { $0["id"]?.stringValue }), ["s1", "s2"], "server→client ids are strings s1, s2, …")
        for call in calls {
            XCTAssertEqual(call["method"], "tools/call")
            XCTAssertEqual(call["params"]?["request"], id)
            XCTAssertEqual(call["params"]?["thread_id"]?.stringValue, thread)
            XCTAssertEqual(call["params"]?["tool_call"]?["type"], "function")
            XCTAssertEqual(call["params"]?["tool_call"]?["function"]?["name"], "big_add")
        }
        let byArguments = Dictionary(uniqueKeysWithValues: calls.map { ($0["params"]?["tool_call"]?["function"]?["arguments"]?.stringValue ?? "", $0["id"]!) })
        // Answered in reverse order: each output still lands on its own call.
        client.answerTool(id: try XCTUnwrap(byArguments["{\"left\":30,\"right\":40}"]), .output("70"))
        client.answerTool(id: try XCTUnwrap(byArguments["{\"left\":1,\"right\":2}"]), .output("3"))

        let reply = try client.reply(to: id)
        assertWellFormedStream(reply, requestID: id, log: client.log)
        let names = reply.eventNames
        XCTAssertEqual(names.filter { $0 == "done" }.count, 1)
        let pause = try XCTUnwrap(names.firstIndex(of: "thread.run.requires_action"))
        XCTAssertEqual(names[pause + 1], "thread.run.step.completed", "the continuation follows requires_action in the same stream")
        XCTAssertEqual(Array(names.suffix(2)), ["thread.run.completed", "done"])
        XCTAssertEqual(reply.result?.status, "completed")

        let runID = try XCTUnwrap(reply.result?.id)
        let stepCalls = try client.steps(thread, runID)[0]["step_details"]?["tool_calls"]?.arrayValue ?? []
        XCTAssertEqual(stepCalls.map { $0["function"]?["arguments"] }, ["{\"left\":1,\"right\":2}", "{\"left\":30,\"right\":40}"])
        XCTAssertEqual(stepCalls.map { $0["function"]?["output"] }, ["3", "70"])
        XCTAssertEqual(try client.messages(thread).last?.messageText, "Last output: 70")
    }

    func testFailingHandlerBecomesAnOutputThatSaysSo() throws {
        let client = try AssistdSession(script: Self.twoCalls)
        client.toolHandler = { call in
            // The calls are asked concurrently, so which gets "s1" varies: pick by arguments.
            call["params"]?["tool_call"]?["function"]?["arguments"] == "{\"left\":1,\"right\":2}"
                ? .error(code: -32000, message: "disk on fire") : .output("70")
        }
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let run = try client.call("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "handle_tools": true,
        ])
        XCTAssertEqual(run.status, "completed", "without stream, the one response comes when the run ends")
        XCTAssertFalse(client.log.contains { $0["method"] == "runs/event" }, "no events without stream")
        let outputs = try client.steps(thread, try XCTUnwrap(run.id))[0]["step_details"]?["tool_calls"]?.arrayValue?.compactMap { $0["function"]?["output"]?.stringValue } ?? []
        XCTAssertEqual(outputs.count, 2)
        XCTAssertTrue(outputs[0].hasPrefix("Error: the client's tools/call for big_add failed: "), outputs[0])
        XCTAssertTrue(outputs[0].contains("disk on fire"), outputs[0])
        XCTAssertEqual(outputs[1], "70")
    }

    func testUnansweredCallTimesOutIntoAnOutputAndIsCancelled() throws {
        let client = try AssistdSession(
            script: ["turns": [["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]]]], ["text": "saw: {{last_tool_output}}"]]],
            arguments: ["--tool-call-timeout", "1"])
        client.toolHandler = { _ in .hold }
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let id = client.send("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true, "handle_tools": true,
        ])
        let reply = try client.reply(to: id)
        XCTAssertEqual(reply.result?.status, "completed")
        XCTAssertEqual(client.serverCancels.map { $0["id"] }, ["s1"], "the client is told the call is off")
        let output = try XCTUnwrap(client.messages(thread).last?.messageText)
        XCTAssertTrue(output.hasPrefix("saw: Error: the client's tools/call for big_add failed: "), output)
    }

    func testHandleToolsNeedsTheCapability() throws {
        let client = try AssistdSession(fixture: "big_add", clientTools: false)
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let error = try client.callError("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "handle_tools": true,
        ])
        XCTAssertEqual(error["code"], -32602)
        XCTAssertEqual(error["data"]?["param"], "handle_tools")
        XCTAssertNoThrow(try client.call("messages/create", ["thread_id": .string(thread), "content": "no run was started"]))
    }

    func testHandleToolsOnSubmitAnswersTheNextRounds() throws {
        let client = try AssistdSession(script: ["turns": [
            ["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 1]]]],
            ["tool_calls": [["name": "big_add", "arguments": ["left": 2, "right": 2]]]],
            ["text": "end {{last_tool_output}}"],
        ]])
        client.toolHandler = { call in .output("client:" + (call["params"]?["tool_call"]?["function"]?["arguments"]?.stringValue ?? "")) }
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let paused = try client.waitRun(thread, try XCTUnwrap(run.id))
        let callID = try XCTUnwrap(paused["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue?.first?.id)
        let id = client.send("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": .string(try XCTUnwrap(run.id)), "stream": true, "handle_tools": true,
            "tool_outputs": [["tool_call_id": .string(callID), "output": "by hand"]],
        ])
        let reply = try client.reply(to: id)
        assertWellFormedStream(reply, requestID: id, log: client.log)
        XCTAssertEqual(reply.result?.status, "completed")
        XCTAssertEqual(client.toolCalls.count, 1, "only the second round went to the client")
        XCTAssertEqual(try client.messages(thread).last?.messageText, "end client:{\"left\":2,\"right\":2}")
    }

    func testCancellingTheRequestCancelsItsToolCallsAndLeavesTheRunWaiting() throws {
        let client = try AssistdSession(fixture: "big_add")
        client.toolHandler = { _ in .hold }
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let id = client.send("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true, "handle_tools": true,
        ])
        try client.pump(until: { client.toolCalls.count == 1 })
        let runID = try XCTUnwrap(client.toolCalls[0]["params"]?["run_id"]?.stringValue)
        client.notify("$/cancelRequest", ["id": id])
        let reply = try client.reply(to: id)
        XCTAssertEqual(reply.error?["code"], -32800)
        try client.pump(until: { !client.serverCancels.isEmpty })
        XCTAssertEqual(client.serverCancels.first?["id"], "s1", "the pending tools/call is cancelled too")
        let run = try client.retrieveRun(thread, runID)
        XCTAssertEqual(run.status, "requires_action", "no made-up outputs were submitted; the run still waits")
        // The client can still finish it by hand.
        let submitted = try client.call("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": .string(runID), "tool_outputs": [["tool_call_id": "", "output": "5"]],
        ])
        XCTAssertEqual(try client.waitRun(thread, try XCTUnwrap(submitted.id)).status, "completed")
    }
}

extension RunsClientToolsTests {
    /// runs/cancel while the client is still answering: the one stream still ends with the
    /// run's ending and a single `done`, and the request returns the cancelled run.
    func testRunCancelledWhileTheClientAnswersEndsTheStreamCleanly() throws {
        let client = try AssistdSession(fixture: "big_add")
        client.toolHandler = { _ in .hold }
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let id = client.send("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true, "handle_tools": true,
        ])
        try client.pump(until: { client.toolCalls.count == 1 })
        let runID = try XCTUnwrap(client.toolCalls[0]["params"]?["run_id"]?.stringValue)
        XCTAssertEqual(try client.call("runs/cancel", ["thread_id": .string(thread), "run_id": .string(runID)]).status, "cancelled")
        client.answerTool(id: client.toolCalls[0]["id"]!, .output("too late"))
        let reply = try client.reply(to: id)
        XCTAssertNil(reply.error, "\(reply.response)")
        assertWellFormedStream(reply, requestID: id, log: client.log)
        XCTAssertEqual(Array(reply.eventNames.suffix(2)), ["thread.run.cancelled", "done"])
        XCTAssertEqual(reply.result?.status, "cancelled")
    }
}
