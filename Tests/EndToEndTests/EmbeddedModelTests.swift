import Foundation
import JSONCore
import XCTest

/// The local backend's default model, SmolLM2-135M-Instruct run in-process, through the binary:
/// a streamed text reply, and a function call whose arguments parse and fit the schema, answered
/// and followed by a reply in text. Needs the model file (CI installs it: `assistd model install`);
/// without it the tests fail and say so.
final class EmbeddedModelTests: XCTestCase {
    func startClient() throws -> AssistdSession {
        let client = try AssistdSession(arguments: [])
        let model = client.initializeResult["backend"]?["model"]?.stringValue ?? ""
        guard model.hasPrefix("embedded") else {
            throw ModelMissing(description: "the embedded model is not available (\(model)); install it with: assistd model install")
        }
        return client
    }

    struct ModelMissing: Error, CustomStringConvertible {
        let description: String
    }

    func testStreamsATextReply() throws {
        let client = try startClient()
        let assistant = try client.assistant()
        let reply = try client.request("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "stream": true, "max_tokens": 24, "temperature": 0,
            "thread": ["messages": [["role": "user", "content": "Say hello to Paris."]]],
        ])
        let run = try XCTUnwrap(reply.result)
        XCTAssertTrue(["completed", "incomplete"].contains(run["status"]?.stringValue ?? ""), "\(run)")
        let deltas = reply.events.filter { $0["event"] == "thread.message.delta" }
        XCTAssertGreaterThan(deltas.count, 1)
        let text = deltas.compactMap { $0["data"]?["delta"]?["content"]?[0]?["text"]?["value"]?.stringValue }.joined()
        XCTAssertFalse(text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        XCTAssertEqual(run["usage"]?["completion_tokens"]?.intValue.map { $0 > 0 }, true)
        let messages = try client.call("messages/list", ["thread_id": run["thread_id"] ?? .null, "order": "asc"])
        XCTAssertEqual(messages["data"]?[1]?["content"]?[0]?["text"]?["value"]?.stringValue, text)
    }

    func testCallsAFunctionWithValidArgumentsThenAnswers() throws {
        let client = try startClient()
        let tool: JSONValue = ["type": "function", "function": [
            "name": "get_weather", "description": "The weather in a city.",
            "parameters": ["type": "object", "properties": [
                "city": ["type": "string", "description": "The city"],
                "unit": ["type": "string", "enum": ["celsius", "fahrenheit"]],
            ], "required": ["city", "unit"]],
        ]]
        let assistant = try client.assistant(tools: [tool])
        let created = try client.request("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "stream": true, "tool_choice": "auto", "temperature": 0,
            "thread": ["messages": [["role": "user", "content": "What is the weather in Boston?"]]],
        ])
        let paused = try XCTUnwrap(created.result)
        XCTAssertEqual(paused["status"], "requires_action")
        let call = try XCTUnwrap(paused["required_action"]?["submit_tool_outputs"]?["tool_calls"]?[0])
        XCTAssertEqual(call["function"]?["name"], "get_weather")
        let arguments = try JSONValue.parse(call["function"]?["arguments"]?.stringValue ?? "")
        XCTAssertNotNil(arguments["city"]?.stringValue, "\(arguments)")
        XCTAssertTrue(["celsius", "fahrenheit"].contains(arguments["unit"]?.stringValue ?? ""), "\(arguments)")
        let answered = try client.request("runs/submitToolOutputs", [
            "thread_id": paused["thread_id"] ?? .null, "run_id": paused["id"] ?? .null, "stream": true,
            "tool_outputs": [["tool_call_id": call["id"] ?? "", "output": "Sunny, 22 degrees."]],
        ])
        let run = try XCTUnwrap(answered.result)
        XCTAssertTrue(["completed", "incomplete"].contains(run["status"]?.stringValue ?? ""), "\(run)")
        XCTAssertTrue(answered.eventNames.contains("thread.message.delta"), "\(answered.eventNames)")
        XCTAssertEqual(answered.eventNames.last, "done")
    }
}
