import Foundation
import JSONCore
import XCTest

/// The seed quick start (seeds/001: the painting assistant, non-streamed and streamed) and the
/// seed's `big_add` function example (seeds/000), ported to the binary with the scripted test
/// model. The painting assistant uses the built-in `text_to_image` tool, which the local backend
/// cannot run: without `handle_tools` the run fails saying so; with it the client answers.
final class RunsQuickStartTests: XCTestCase {
    static let paintingAssistant: JSONObject = [
        "model": "qwen-max", "name": "Art Maestro", "description": "AI assistant for painting and art knowledge",
        "instructions": "Provide information on painting techniques, art history, and creative guidance.\nUse tools to generate images.",
        "tools": [["type": "text_to_image", "description": "For creating visual examples"]],
    ]

    func testPaintingAssistantWithoutHandleToolsFailsWithAClearError() throws {
        let client = try AssistdSession(script: ["turns": [["text": "unused"]]])
        let assistant = try XCTUnwrap(client.call("assistants/create", .object(Self.paintingAssistant)).id)
        let thread = try XCTUnwrap(client.call("threads/create", [:]).id)
        try client.call("messages/create", ["thread_id": .string(thread), "content": "Draw a picture of a ragdoll cat."])
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let done = try client.waitRun(thread, try XCTUnwrap(run.id))
        XCTAssertEqual(done.status, "failed")
        XCTAssertEqual(done["last_error"]?["code"], "invalid_prompt")
        let text = done["last_error"]?["message"]?.stringValue ?? ""
        XCTAssertTrue(text.contains("'text_to_image'") && text.contains("handle_tools"), text)
        let messages = try client.call("messages/list", ["thread_id": .string(thread)])["data"]?.arrayValue ?? []
        XCTAssertEqual(messages.count, 1, "no assistant reply")
        XCTAssertNoThrow(try client.call("messages/create", ["thread_id": .string(thread), "content": "free"]))
    }

    func testPaintingAssistantStreamedWithClientAnsweringTextToImage() throws {
        let client = try AssistdSession(script: [
            "rules": [["when_last_is_tool": true, "turn": ["text": "Here is your ragdoll cat: {{last_tool_output}}", "chunks": 3]]],
            "turns": [["tool_calls": [["name": "text_to_image", "arguments": ["input": "a fluffy ragdoll cat, oil painting"]]]]],
        ])
        client.toolHandler = { _ in .output("https://example.invalid/ragdoll.png") }
        let assistant = try XCTUnwrap(client.call("assistants/create", .object(Self.paintingAssistant)).id)
        let thread = try XCTUnwrap(client.call("threads/create", [
            "messages": [["role": "user", "content": "Draw a picture of a ragdoll cat."]],
        ]).id)
        let id = client.send("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true, "handle_tools": true,
        ])
        let reply = try client.reply(to: id)
        assertWellFormedStream(reply, requestID: id, log: client.log)
        XCTAssertEqual(reply.result?.status, "completed")

        let call = try XCTUnwrap(client.toolCalls.first?["params"]?["tool_call"])
        XCTAssertEqual(call["type"], "text_to_image", "the service's shape for a built-in")
        XCTAssertNil(call["function"])
        XCTAssertEqual(call["text_to_image"]?["arguments"], "{\"input\":\"a fluffy ragdoll cat, oil painting\"}")
        XCTAssertEqual(call["text_to_image"]?["output"], .null)

        let step = try XCTUnwrap(client.steps(thread, try XCTUnwrap(reply.result?.id)).first)
        XCTAssertEqual(step["step_details"]?["tool_calls"]?.arrayValue?.first?["text_to_image"]?["output"], "https://example.invalid/ragdoll.png")
        let messages = try client.call("messages/list", ["thread_id": .string(thread)])["data"]?.arrayValue ?? []
        XCTAssertEqual(messages.first?.messageText, "Here is your ragdoll cat: https://example.invalid/ragdoll.png", "newest first, as the seed reads data[0]")
    }

    /// seeds/000 "関数呼び出し": create the smart helper with `big_add`, a thread, a message, a run;
    /// wait for requires_action; submit `left + right`; wait; read the messages.
    func testBigAddFunctionExample() throws {
        let client = try AssistdSession(fixture: "big_add")
        let assistant = try XCTUnwrap(client.call("assistants/create", [
            "model": "qwen-max", "name": "smart helper", "description": "A tool helper.",
            "instructions": "You are a helpful assistant. When asked a question, use tools wherever possible.",
            "tools": [AssistdSession.bigAdd],
        ]).id)
        let thread = try XCTUnwrap(client.call("threads/create", [:]).id)
        try client.call("messages/create", ["thread_id": .string(thread), "content": "Add 87787 to 788988737."])
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let paused = try client.waitRun(thread, try XCTUnwrap(run.id))
        XCTAssertEqual(paused.status, "requires_action")
        XCTAssertEqual(paused["instructions"], "You are a helpful assistant. When asked a question, use tools wherever possible.")
        let call = try XCTUnwrap(paused["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue?.first)
        let arguments = try JSONValue.parse(Array((call["function"]?["arguments"]?.stringValue ?? "").utf8))
        let sum = (arguments["left"]?.intValue ?? 0) + (arguments["right"]?.intValue ?? 0)
        XCTAssertEqual(sum, 789076524)
        let submitted = try client.call("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": paused["id"]!,
            "tool_outputs": [["tool_call_id": call["id"]!, "output": .string("\(sum)")]],
        ])
        let done = try client.waitRun(thread, try XCTUnwrap(submitted.id))
        XCTAssertEqual(done.status, "completed")
        let messages = try client.messages(thread)
        XCTAssertEqual(messages.map { $0["role"] }, ["user", "assistant"])
        XCTAssertEqual(messages.last?.messageText, "The sum is 789076524.")
    }
}
