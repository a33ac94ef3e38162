import Foundation
import JSONCore
import TestSupport
import XCTest

/// The `openai` model through the binary (`--model-url`) against the FAKE OpenAI-compatible
/// server: split tool-call fragments, the usage chunk, HTTP 429 and 500, a broken stream, and
/// what the model is sent (prompt order, tool rounds, parameters, truncation).
final class RunsOpenAIModelTests: XCTestCase {
    func start() throws -> (FakeOpenAIServer, AssistdSession) {
        let server = try FakeOpenAIServer()
        let client = try AssistdSession(arguments: ["--model-url", server.modelURL])
        return (server, client)
    }

    func run(_ client: AssistdSession, thread: String, assistant: String, extra: JSONObject = [:]) throws -> JSONValue {
        var params: JSONObject = ["thread_id": .string(thread), "assistant_id": .string(assistant)]
        params.merge(extra) { $1 }
        let run = try client.call("runs/create", .object(params))
        return try client.waitRun(thread, try XCTUnwrap(run.id))
    }

    func testSplitToolCallFragmentsUsageAndTheToolRoundInTheNextPrompt() async throws {
        let (server, client) = try start()
        try await server.script([
            ["stream": [
                ["tool_calls": [["index": 0, "id": "call_a", "type": "function", "function": ["name": "big_add", "arguments": ""]]]],
                ["tool_calls": [["index": 0, "function": ["arguments": "{\"left\":"]]]],
                ["tool_calls": [["index": 0, "function": ["arguments": "1,\"right\":2}"]]]],
                ["finish": "tool_calls"],
                ["usage": [11, 7]],
            ]],
            ["stream": [["text": "The sum"], ["text": " is 3."], ["finish": "stop"], ["usage": [20, 4]]]],
        ])
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd], extra: ["instructions": "You add numbers."])
        let thread = try client.thread("Add 1 and 2")
        let paused = try run(client, thread: thread, assistant: assistant)
        XCTAssertEqual(paused.status, "requires_action", "\(paused)")
        let call = try XCTUnwrap(paused["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue?.first)
        XCTAssertEqual(call.id, "call_a")
        XCTAssertEqual(call["function"]?["arguments"], "{\"left\":1,\"right\":2}", "fragments merged into the full arguments")

        let submitted = try client.call("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": paused["id"]!, "tool_outputs": [["tool_call_id": "call_a", "output": "3"]],
        ])
        let done = try client.waitRun(thread, try XCTUnwrap(submitted.id))
        XCTAssertEqual(done.status, "completed")
        XCTAssertEqual(try client.messages(thread).last?.messageText, "The sum is 3.")
        let steps = try client.steps(thread, try XCTUnwrap(done.id))
        XCTAssertEqual(steps[0]["usage"]?["prompt_tokens"], 11)
        XCTAssertEqual(steps[0]["usage"]?["completion_tokens"], 7)
        XCTAssertEqual(steps[1]["usage"]?["prompt_tokens"], 20)
        XCTAssertEqual(done["usage"]?["prompt_tokens"], 31)
        XCTAssertEqual(done["usage"]?["completion_tokens"], 11)
        XCTAssertEqual(done["usage"]?["total_tokens"], 42)

        let bodies = try await server.requestBodies()
        XCTAssertEqual(bodies.count, 2)
        XCTAssertEqual(bodies[0]["stream"], true)
        XCTAssertEqual(bodies[0]["messages"], [
            ["role": "system", "content": "You add numbers."],
            ["role": "user", "content": "Add 1 and 2"],
        ])
        XCTAssertEqual(bodies[0]["tools"]?.arrayValue?.first?["function"]?["name"], "big_add")
        XCTAssertEqual(bodies[1]["messages"], [
            ["role": "system", "content": "You add numbers."],
            ["role": "user", "content": "Add 1 and 2"],
            ["role": "assistant", "content": .null, "tool_calls": [
                ["id": "call_a", "type": "function", "function": ["name": "big_add", "arguments": "{\"left\":1,\"right\":2}"]],
            ]],
            ["role": "tool", "content": "3", "tool_call_id": "call_a"],
        ], "the completed tool round sits after the user message it answers")
    }

    func testToolRoundsStayAtTheirPlaceInLaterRunsAndTruncationKeepsThemWhole() async throws {
        let (server, client) = try start()
        try await server.script([
            ["stream": [["tool_calls": [["index": 0, "id": "call_1", "type": "function", "function": ["name": "big_add", "arguments": "{}"]]]], ["finish": "tool_calls"]]],
            ["stream": [["text": "first answer"], ["finish": "stop"]]],
            ["stream": [["text": "second answer"], ["finish": "stop"]]],
            ["stream": [["text": "third answer"], ["finish": "stop"]]],
        ])
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread("first question")
        let paused = try run(client, thread: thread, assistant: assistant)
        let submitted = try client.call("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": paused["id"]!, "tool_outputs": [["tool_call_id": "call_1", "output": "out 1"]],
        ])
        XCTAssertEqual(try client.waitRun(thread, try XCTUnwrap(submitted.id)).status, "completed")
        try client.call("messages/create", ["thread_id": .string(thread), "content": "second question"])
        XCTAssertEqual(try run(client, thread: thread, assistant: assistant).status, "completed")
        // last_messages counts the tool round as one unit: it is kept or dropped whole.
        try client.call("messages/create", ["thread_id": .string(thread), "content": "third question"])
        XCTAssertEqual(try run(client, thread: thread, assistant: assistant, extra: [
            "truncation_strategy": ["type": "last_messages", "last_messages": 5],
        ]).status, "completed")

        let bodies = try await server.requestBodies()
        XCTAssertEqual(bodies.count, 4)
        let roles = { (body: JSONValue) in (body["messages"]?.arrayValue ?? []).map { $0["role"]?.stringValue ?? "?" } }
        XCTAssertEqual(roles(bodies[2]), ["user", "assistant", "tool", "assistant", "user"], "oldest first, the tool round at its place")
        XCTAssertEqual(bodies[2]["messages"]?.arrayValue?[3]["content"], "first answer")
        XCTAssertEqual(roles(bodies[3]), ["assistant", "tool", "assistant", "user", "assistant", "user"],
                       "the five newest units: the tool round (whole), the answers and questions after it; the first question dropped")
        XCTAssertEqual(bodies[3]["messages"]?.arrayValue?.last?["content"], "third question")
        for body in bodies {
            let messages = body["messages"]?.arrayValue ?? []
            for (index, message) in messages.enumerated() where message["role"] == "tool" {
                XCTAssertGreaterThan(index, 0)
                XCTAssertNotNil(messages[index - 1]["tool_calls"], "a tool output always follows its call")
            }
        }
    }

    func testEveryRunParameterOverridesTheAssistantForThatRunOnly() async throws {
        let (server, client) = try start()
        try await server.script([
            ["stream": [["text": "one"], ["finish": "stop"]]],
            ["stream": [["text": "two"], ["finish": "stop"]]],
        ])
        let other: JSONValue = ["type": "function", "function": ["name": "other_fn", "description": "other", "parameters": ["type": "object"]]]
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd], extra: [
            "instructions": "Assistant instructions.", "temperature": 0.5, "top_p": 0.5, "top_k": 3, "max_tokens": 100,
        ])
        let thread = try client.thread("old message")
        let overridden = try run(client, thread: thread, assistant: assistant, extra: [
            "model": "qwen-plus", "instructions": "Run instructions.", "additional_instructions": "Also this.",
            "temperature": 1.25, "top_p": 0.75, "top_k": 7, "max_tokens": 50, "tools": [other],
            "tool_choice": ["type": "function", "function": ["name": "other_fn"]],
            "metadata": ["origin": "e2e"],
            "additional_messages": [["role": "user", "content": "added by the run"]],
            "truncation_strategy": ["type": "last_messages", "last_messages": 1],
        ])
        XCTAssertEqual(overridden.status, "completed", "\(overridden)")
        XCTAssertEqual(overridden["model"], "qwen-plus")
        XCTAssertEqual(overridden["instructions"], "Run instructions.\n\nAlso this.")
        XCTAssertEqual(overridden["temperature"], 1.25)
        XCTAssertEqual(overridden["top_p"], 0.75)
        XCTAssertEqual(overridden["top_k"], 7)
        XCTAssertEqual(overridden["max_tokens"], 50)
        XCTAssertEqual(overridden["tools"]?.arrayValue?.map { $0["function"]?["name"] }, ["other_fn"])
        XCTAssertEqual(overridden["metadata"], ["origin": "e2e"])
        XCTAssertEqual(overridden["truncation_strategy"]?["type"], "last_messages")
        XCTAssertEqual(overridden["truncation_strategy"]?["last_messages"], 1)
        XCTAssertEqual(overridden["tool_choice"]?["function"]?["name"], "other_fn")

        let plain = try run(client, thread: thread, assistant: assistant)
        XCTAssertEqual(plain["model"], "qwen-max")
        XCTAssertEqual(plain["instructions"], "Assistant instructions.")
        XCTAssertEqual(plain["temperature"], 0.5)
        XCTAssertEqual(plain["max_tokens"], 100)
        XCTAssertEqual(plain["metadata"], [:])

        let bodies = try await server.requestBodies()
        XCTAssertEqual(bodies.count, 2)
        XCTAssertEqual(bodies[0]["model"], "qwen-plus")
        XCTAssertEqual(bodies[0]["messages"], [
            ["role": "system", "content": "Run instructions.\n\nAlso this."],
            ["role": "user", "content": "added by the run"],
        ], "additional_messages are in the thread before the run; last_messages 1 keeps only the newest")
        XCTAssertEqual(bodies[0]["temperature"], 1.25)
        XCTAssertEqual(bodies[0]["top_p"], 0.75)
        XCTAssertEqual(bodies[0]["max_tokens"], 50)
        XCTAssertEqual(bodies[0]["tools"]?.arrayValue?.map { $0["function"]?["name"] }, ["other_fn"])
        XCTAssertEqual(bodies[0]["tool_choice"], ["type": "function", "function": ["name": "other_fn"]])

        XCTAssertEqual(bodies[1]["model"], "qwen-max")
        XCTAssertEqual(bodies[1]["temperature"], 0.5)
        XCTAssertEqual(bodies[1]["top_p"], 0.5)
        XCTAssertEqual(bodies[1]["max_tokens"], 100)
        XCTAssertEqual(bodies[1]["tools"]?.arrayValue?.map { $0["function"]?["name"] }, ["big_add"])
        XCTAssertNil(bodies[1]["tool_choice"])
        XCTAssertEqual(bodies[1]["messages"]?.arrayValue?.map { $0["content"] }, [
            "Assistant instructions.", "old message", "added by the run", "one",
        ])
        let stored = try client.call("assistants/retrieve", ["assistant_id": .string(assistant)])
        XCTAssertEqual(stored["instructions"], "Assistant instructions.", "the assistant is unchanged")
        XCTAssertEqual(stored["temperature"], 0.5)
    }

    func testHTTPErrorsAndABrokenStreamEndTheRunFailed() async throws {
        let (server, client) = try start()
        try await server.script([
            ["status": 429, "body": ["error": ["message": "Rate limit reached for requests", "type": "rate_limit"]]],
            ["status": 500, "body": ["error": ["message": "upstream exploded"]]],
            ["stream": [["text": "half a rep"], ["break": true]]],
        ])
        let assistant = try client.assistant()
        let expectations = [("rate_limit_exceeded", "Rate limit reached"), ("server_error", "upstream exploded")]
        for (code, text) in expectations {
            let thread = try client.thread()
            let failed = try run(client, thread: thread, assistant: assistant)
            XCTAssertEqual(failed.status, "failed")
            XCTAssertEqual(failed["last_error"]?["code"]?.stringValue, code)
            XCTAssertTrue(failed["last_error"]?["message"]?.stringValue?.contains(text) == true, "\(failed)")
        }
        let thread = try client.thread()
        let id = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let reply = try client.reply(to: id)
        assertWellFormedStream(reply, requestID: id, log: client.log)
        XCTAssertEqual(Array(reply.eventNames.suffix(4)), [
            "thread.message.incomplete", "thread.run.step.failed", "thread.run.failed", "done",
        ])
        let failed = try XCTUnwrap(reply.result)
        XCTAssertEqual(failed["last_error"]?["code"], "server_error")
        let message = try XCTUnwrap(client.messages(thread).last)
        XCTAssertEqual(message.status, "incomplete")
        XCTAssertEqual(message["incomplete_details"]?["reason"], "run_failed")
        let step = try XCTUnwrap(client.steps(thread, try XCTUnwrap(failed.id)).first)
        XCTAssertEqual(step.status, "failed")
        XCTAssertEqual(step["last_error"]?["code"], "server_error")
        XCTAssertNoThrow(try client.call("messages/create", ["thread_id": .string(thread), "content": "free"]))
    }
}
