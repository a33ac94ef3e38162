import Foundation
import JSONCore
import TestSupport
import XCTest

/// Every Assistant API method through the binary (`--backend dashscope`) against the fake
/// service: the answer the client gets, and the one HTTP call assistd made for it.
final class DashScopeEndpointTests: XCTestCase {
    var session: DashScopeSession!

    override func setUpWithError() throws {
        session = try DashScopeSession()
        let reply = try session.initialize()
        let backend = try XCTUnwrap(reply["result"]?["backend"], "\(reply)")
        XCTAssertEqual(backend["name"], "dashscope")
        XCTAssertEqual(backend["base_url"]?.stringValue, session.fake.baseURL)
        XCTAssertEqual(backend["workspace"], "ws-test")
    }

    override func tearDownWithError() throws {
        XCTAssertEqual(session.finish(), 0)
        XCTAssertEqual(session.process.outputProblems, [])
        session = nil
    }

    /// Runs `method` and checks that it made exactly the one upstream call `expected` ("VERB path").
    func check(_ method: String, _ params: JSONValue, upstream expected: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        try session.fake.control("requests/clear", [:])
        let result = try session.call(method, params, file: file, line: line)
        XCTAssertEqual(try session.fake.requestLines(), [expected], method, file: file, line: line)
        XCTAssertNotNil(result["request_id"]?.stringValue, "\(method) answers with the service's request_id", file: file, line: line)
        return result
    }

    func testAssistantsAndAssistantFiles() throws {
        let created = try check("assistants/create", [
            "model": "qwen-max", "name": "helper", "instructions": "You are helpful.", "tools": [DashScopeSession.weatherTool],
        ], upstream: "POST /api/v1/assistants")
        let id = created.text("id")
        XCTAssertTrue(id.hasPrefix("asst_"), id)
        XCTAssertEqual(created["object"], "assistant")
        XCTAssertEqual(created["tools"]?[0]?["function"]?["name"], "get_current_weather")
        // The SDK always sends file_ids and metadata on create.
        let body = try session.fake.requests().last?["body"]
        XCTAssertEqual(body?["file_ids"], [])
        XCTAssertEqual(body?["metadata"], .null)

        XCTAssertEqual(try check("assistants/retrieve", ["assistant_id": .string(id)], upstream: "GET /api/v1/assistants/\(id)")["name"], "helper")
        let updated = try check("assistants/update", ["assistant_id": .string(id), "name": "renamed"], upstream: "POST /api/v1/assistants/\(id)")
        XCTAssertEqual(updated["name"], "renamed")
        XCTAssertEqual(try session.fake.requests().last?["body"], ["name": "renamed"], "only what the client gave")
        let list = try check("assistants/list", ["limit": 5, "order": "asc"], upstream: "GET /api/v1/assistants")
        XCTAssertEqual(list["object"], "list")
        XCTAssertEqual(list["data"]?.arrayValue?.map { $0.text("id") }, [id])
        XCTAssertEqual(try session.fake.requests().last?["query"], ["limit": "5", "order": "asc"])

        let file = try check("assistants/files/create", ["assistant_id": .string(id), "file_id": "file-abc"],
            upstream: "POST /api/v1/assistants/\(id)/files")
        XCTAssertEqual(file["object"], "assistant.file")
        XCTAssertEqual(file["assistant_id"]?.stringValue, id)
        let files = try check("assistants/files/list", ["assistant_id": .string(id)], upstream: "GET /api/v1/assistants/\(id)/files")
        XCTAssertEqual(files["data"]?.arrayValue?.map { $0.text("id") }, ["file-abc"])
        XCTAssertEqual(try check("assistants/files/retrieve", ["assistant_id": .string(id), "file_id": "file-abc"],
            upstream: "GET /api/v1/assistants/\(id)/files/file-abc")["id"], "file-abc")
        let fileDeleted = try check("assistants/files/delete", ["assistant_id": .string(id), "file_id": "file-abc"],
            upstream: "DELETE /api/v1/assistants/\(id)/files/file-abc")
        XCTAssertEqual(fileDeleted["deleted"], true)

        let deleted = try check("assistants/delete", ["assistant_id": .string(id)], upstream: "DELETE /api/v1/assistants/\(id)")
        XCTAssertEqual(deleted["object"], "assistant.deleted")
        XCTAssertEqual(deleted["deleted"], true)
    }

    func testThreadsMessagesAndMessageFiles() throws {
        let empty = try check("threads/create", [:], upstream: "POST /api/v1/threads")
        XCTAssertTrue(empty.text("id").hasPrefix("thread_"))
        XCTAssertEqual(try session.fake.requests().last?["body_text"], "\"\"", "an empty create sends the JSON string \"\", as the SDK does")

        let thread = try check("threads/create", ["messages": [["role": "user", "content": "Hello"]], "metadata": ["topic": "greeting"]],
            upstream: "POST /api/v1/threads").text("id")
        XCTAssertEqual(try check("threads/retrieve", ["thread_id": .string(thread)], upstream: "GET /api/v1/threads/\(thread)")["metadata"],
            ["topic": "greeting"])
        XCTAssertEqual(try check("threads/update", ["thread_id": .string(thread), "metadata": ["topic": "changed"]],
            upstream: "POST /api/v1/threads/\(thread)")["metadata"], ["topic": "changed"])

        let message = try check("messages/create", [
            "thread_id": .string(thread), "content": "How does AI work?", "file_ids": ["file-1"],
        ], upstream: "POST /api/v1/threads/\(thread)/messages")
        let messageID = message.text("id")
        XCTAssertTrue(messageID.hasPrefix("message_"), messageID)
        XCTAssertEqual(message["content"]?[0]?["text"]?["value"], "How does AI work?")
        XCTAssertEqual(try session.fake.requests().last?["body"], ["content": "How does AI work?", "file_ids": ["file-1"], "role": "user"])
        let messages = try check("messages/list", ["thread_id": .string(thread), "order": "asc"], upstream: "GET /api/v1/threads/\(thread)/messages")
        XCTAssertEqual(messages["data"]?.arrayValue?.count, 2)
        XCTAssertEqual(try check("messages/retrieve", ["thread_id": .string(thread), "message_id": .string(messageID)],
            upstream: "GET /api/v1/threads/\(thread)/messages/\(messageID)")["id"]?.stringValue, messageID)
        XCTAssertEqual(try check("messages/update", ["thread_id": .string(thread), "message_id": .string(messageID), "metadata": ["k": "v"]],
            upstream: "POST /api/v1/threads/\(thread)/messages/\(messageID)")["metadata"], ["k": "v"])

        let files = try check("messages/files/list", ["thread_id": .string(thread), "message_id": .string(messageID)],
            upstream: "GET /api/v1/threads/\(thread)/messages/\(messageID)/files")
        XCTAssertEqual(files["data"]?.arrayValue?.map { $0.text("id") }, ["file-1"])
        let file = try check("messages/files/retrieve", ["thread_id": .string(thread), "message_id": .string(messageID), "file_id": "file-1"],
            upstream: "GET /api/v1/threads/\(thread)/messages/\(messageID)/files/file-1")
        XCTAssertEqual(file["object"], "thread.message.file")

        let deleted = try check("threads/delete", ["thread_id": .string(thread)], upstream: "DELETE /api/v1/threads/\(thread)")
        XCTAssertEqual(deleted["object"], "thread.deleted")
    }

    func testRunsAndSteps() throws {
        let (assistant, thread) = try session.assistantAndThread(saying: "Tell me a joke")
        let run = try check("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "metadata": ["try": "1"]],
            upstream: "POST /api/v1/threads/\(thread)/runs")
        let runID = run.text("id")
        XCTAssertEqual(run["status"], "in_progress", "the service's non-stream create answers in_progress")
        XCTAssertEqual(try session.fake.requests().last?["body"], ["assistant_id": .string(assistant), "metadata": ["try": "1"], "stream": false])

        // runs/wait polls retrieve until the run ends.
        try session.fake.control("requests/clear", [:])
        let finished = try session.call("runs/wait", ["thread_id": .string(thread), "run_id": .string(runID)])
        XCTAssertEqual(finished["status"], "completed")
        let polls = try session.fake.requestLines()
        XCTAssertFalse(polls.isEmpty)
        XCTAssertEqual(Set(polls), ["GET /api/v1/threads/\(thread)/runs/\(runID)"])

        XCTAssertEqual(try check("runs/retrieve", ["thread_id": .string(thread), "run_id": .string(runID)],
            upstream: "GET /api/v1/threads/\(thread)/runs/\(runID)")["status"], "completed")
        let runs = try check("runs/list", ["thread_id": .string(thread), "limit": 1], upstream: "GET /api/v1/threads/\(thread)/runs")
        XCTAssertEqual(runs["data"]?.arrayValue?.map { $0.text("id") }, [runID])
        XCTAssertEqual(try check("runs/update", ["thread_id": .string(thread), "run_id": .string(runID), "metadata": ["try": "2"]],
            upstream: "POST /api/v1/threads/\(thread)/runs/\(runID)")["metadata"], ["try": "2"])

        let steps = try check("steps/list", ["thread_id": .string(thread), "run_id": .string(runID)],
            upstream: "GET /api/v1/threads/\(thread)/runs/\(runID)/steps")
        let step = try XCTUnwrap(steps["data"]?[0])
        XCTAssertEqual(step["type"], "message_creation")
        XCTAssertEqual(step["completed_at"]?.intValue.map { $0 > 0 }, true, "the step list's -1 sentinels only where unset")
        let stepID = step.text("id")
        XCTAssertEqual(try check("steps/retrieve", ["thread_id": .string(thread), "run_id": .string(runID), "step_id": .string(stepID)],
            upstream: "GET /api/v1/threads/\(thread)/runs/\(runID)/steps/\(stepID)")["id"]?.stringValue, stepID)

        let messages = try session.call("messages/list", ["thread_id": .string(thread)])
        XCTAssertEqual(messages["data"]?[0]?["content"]?[0]?["text"]?["value"], "You said: Tell me a joke")
    }

    func testFunctionCallWithWaitAndSubmitToolOutputs() throws {
        let (assistant, thread) = try session.assistantAndThread(saying: "Use get_current_weather for Hangzhou", tools: [DashScopeSession.weatherTool])
        let runID = try session.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)]).text("id")
        let waiting = try session.call("runs/wait", ["thread_id": .string(thread), "run_id": .string(runID)])
        XCTAssertEqual(waiting["status"], "requires_action", "wait stops when the run needs tool outputs")
        let call = try XCTUnwrap(waiting["required_action"]?["submit_tool_outputs"]?["tool_calls"]?[0])
        XCTAssertEqual(call["function"]?["name"], "get_current_weather")

        let submitted = try check("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": .string(runID), "tool_outputs": [["tool_call_id": "", "output": "sunny, 24C"]],
        ], upstream: "POST /api/v1/threads/\(thread)/runs/\(runID)/submit_tool_outputs")
        XCTAssertEqual(submitted["status"], "in_progress")
        XCTAssertEqual(try session.fake.requests().last?["body"], ["tool_outputs": [["tool_call_id": "", "output": "sunny, 24C"]], "stream": false])
        XCTAssertEqual(try session.call("runs/wait", ["thread_id": .string(thread), "run_id": .string(runID)])["status"], "completed")
        let messages = try session.call("messages/list", ["thread_id": .string(thread)])
        XCTAssertEqual(messages["data"]?[0]?["content"]?[0]?["text"]?["value"], "get_current_weather returned: sunny, 24C")
    }

    func testCreateThreadAndRun() throws {
        let assistant = try session.call("assistants/create", ["model": "qwen-max"]).text("id")
        let run = try check("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "thread": ["messages": [["role": "user", "content": "Hi"]]],
        ], upstream: "POST /api/v1/threads/runs")
        XCTAssertTrue(run.text("thread_id").hasPrefix("thread_"))
        XCTAssertEqual(try session.fake.requests().last?["body"], [
            "assistant_id": .string(assistant), "thread": ["messages": [["role": "user", "content": "Hi"]]], "stream": false,
        ])
        XCTAssertEqual(try session.call("runs/wait", ["thread_id": .string(run.text("thread_id")), "run_id": .string(run.text("id"))])["status"],
            "completed")
    }

    func testWaitWithATimeoutReturnsTheRunAsItStandsAndSendsNoTimeoutUpstream() throws {
        try session.fake.knobs(["run_ms": 600_000])
        let (assistant, thread) = try session.assistantAndThread(saying: "slow")
        let runID = try session.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)]).text("id")
        try session.fake.control("requests/clear", [:])
        let run = try session.call("runs/wait", ["thread_id": .string(thread), "run_id": .string(runID), "timeout_ms": 300])
        XCTAssertEqual(run["status"], "in_progress", "the run goes on; wait gives it back as it stands")
        let polls = try session.fake.requests()
        XCTAssertFalse(polls.isEmpty)
        for poll in polls {
            XCTAssertEqual(poll["method"], "GET")
            XCTAssertEqual(poll["path"]?.stringValue, "/api/v1/threads/\(thread)/runs/\(runID)")
            XCTAssertEqual(poll["query"], [:], "timeout_ms is the bridge's own")
        }
    }

    func testCancelIsUnsupportedWhereTheServiceHasNoCancelEndpoint() throws {
        try session.fake.knobs(["run_ms": 600_000])
        let (assistant, thread) = try session.assistantAndThread(saying: "Hi")
        let runID = try session.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)]).text("id")
        try session.fake.control("requests/clear", [:])
        let error = try session.callError("runs/cancel", ["thread_id": .string(thread), "run_id": .string(runID)])
        XCTAssertEqual(error["code"], -32015)
        XCTAssertEqual(error["data"]?["status_code"], 404)
        XCTAssertEqual(error["data"]?["code"], "NotFound")
        XCTAssertNotNil(error["data"]?["request_id"]?.stringValue)
        XCTAssertTrue(error.text("message").contains("does not support cancelling"), error.text("message"))
        XCTAssertEqual(try session.fake.requestLines(), [
            "POST /api/v1/threads/\(thread)/runs/\(runID)/cancel", "GET /api/v1/threads/\(thread)/runs/\(runID)",
        ])
        XCTAssertEqual(try session.fake.requests().first?["body_text"], "", "cancel sends no body, as the SDK")

        // An unknown run is not found, not unsupported.
        let missing = try session.callError("runs/cancel", ["thread_id": .string(thread), "run_id": "run_missing"])
        XCTAssertEqual(missing["code"], -32010)

        // Where the service does cancel, the run comes back cancelled.
        try session.fake.knobs(["cancel_supported": true])
        XCTAssertEqual(try session.call("runs/cancel", ["thread_id": .string(thread), "run_id": .string(runID)])["status"], "cancelled")
    }

    func testUnknownFieldsPassThroughAndBridgeOnlyFieldsDoNot() throws {
        let (assistant, thread) = try session.assistantAndThread(saying: "Hi")
        try session.fake.control("requests/clear", [:])
        let run = try session.call("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "handle_tools": false, "stream": false,
            "x_future_option": ["depth": 2, "tags": ["a", "b"]], "truncation_strategy": ["type": "last_messages", "last_messages": 10],
            "temperature": 0.5,
        ])
        let body = try XCTUnwrap(session.fake.requests().last?["body"])
        XCTAssertEqual(body, [
            "assistant_id": .string(assistant), "x_future_option": ["depth": 2, "tags": ["a", "b"]],
            "truncation_strategy": ["type": "last_messages", "last_messages": 10], "temperature": 0.5, "stream": false,
        ])
        XCTAssertEqual(run["temperature"], 0.5)

        let created = try session.call("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "x_other": true, "timeout_ms": 5, "handle_tools": false,
        ])
        XCTAssertTrue(created.text("id").hasPrefix("run_"))
        XCTAssertEqual(try session.fake.requests().last?["body"], ["assistant_id": .string(assistant), "x_other": true, "stream": false])
    }
}
