import Foundation
import JSONCore
import TestSupport
import XCTest

/// What assistd sends upstream for a flow of JSON-RPC calls equals what the official Python
/// SDK sends for the same flow (SDKParity): verbs, paths, queries, bodies and the headers that
/// matter. The same flows go through the binary against a fresh fake, whose ids restart on reset.
final class DashScopeSDKParityTests: XCTestCase {
    var session: DashScopeSession!

    override func setUpWithError() throws {
        session = try DashScopeSession()
        XCTAssertNotNil(try session.initialize()["result"])
    }

    override func tearDownWithError() throws {
        XCTAssertEqual(session.finish(), 0)
        session = nil
    }

    func id(_ value: JSONValue) -> JSONValue { value["id"] ?? .null }

    func testThreadsAndMessagesFlowSendsWhatTheSDKSends() throws {
        try assertParity("threads_messages") { s in
            _ = try s.call("threads/create", [:])
            let thread = id(try s.call("threads/create", ["messages": [["role": "user", "content": "Hello"]], "metadata": ["topic": "greeting"]]))
            _ = try s.call("threads/retrieve", ["thread_id": thread])
            _ = try s.call("threads/update", ["thread_id": thread, "metadata": ["topic": "changed"]])
            let message = id(try s.call("messages/create", [
                "thread_id": thread, "content": "How does AI work?", "file_ids": ["file-1"], "metadata": ["k": "v"],
            ]))
            _ = try s.call("messages/list", ["thread_id": thread, "limit": 5, "order": "asc"])
            _ = try s.call("messages/retrieve", ["thread_id": thread, "message_id": message])
            _ = try s.call("messages/update", ["thread_id": thread, "message_id": message, "metadata": ["k": "w"]])
            _ = try s.call("messages/files/list", ["thread_id": thread, "message_id": message])
            _ = try s.call("messages/files/retrieve", ["thread_id": thread, "message_id": message, "file_id": "file-1"])
            _ = try s.call("threads/delete", ["thread_id": thread])
        }
    }

    func testAssistantsFlowSendsWhatTheSDKSends() throws {
        try assertParity("assistants") { s in
            let created = id(try s.call("assistants/create", [
                "model": "qwen-max", "name": "helper", "description": "a helper", "instructions": "You are helpful.",
                "tools": [DashScopeSession.weatherTool],
            ]))
            _ = try s.call("assistants/retrieve", ["assistant_id": created])
            _ = try s.call("assistants/create", ["model": "qwen-plus"])
            _ = try s.call("assistants/list", ["limit": 10, "order": "asc"])
            _ = try s.call("assistants/list", ["after": created, "order": "asc"])
            _ = try s.call("assistants/update", ["assistant_id": created, "name": "renamed", "instructions": "Be brief."])
            _ = try s.call("assistants/files/create", ["assistant_id": created, "file_id": "file-abc"])
            _ = try s.call("assistants/files/list", ["assistant_id": created])
            _ = try s.call("assistants/files/retrieve", ["assistant_id": created, "file_id": "file-abc"])
            _ = try s.call("assistants/files/delete", ["assistant_id": created, "file_id": "file-abc"])
            _ = try s.call("assistants/delete", ["assistant_id": created])
            XCTAssertEqual(try s.callError("assistants/retrieve", ["assistant_id": created])["code"], -32010)
        }
    }

    func testRunAndPollFlowSendsWhatTheSDKSends() throws {
        try assertParity("run_poll") { s in
            let assistant = id(try s.call("assistants/create", ["model": "qwen-max", "instructions": "You are helpful."]))
            let thread = id(try s.call("threads/create", [:]))
            _ = try s.call("messages/create", ["thread_id": thread, "content": "Tell me a joke"])
            let run = id(try s.call("runs/create", ["thread_id": thread, "assistant_id": assistant, "metadata": ["try": "1"]]))
            XCTAssertEqual(try s.call("runs/wait", ["thread_id": thread, "run_id": run])["status"], "completed")
            _ = try s.call("messages/list", ["thread_id": thread])
            let steps = try s.call("steps/list", ["thread_id": thread, "run_id": run])
            _ = try s.call("steps/retrieve", ["thread_id": thread, "run_id": run, "step_id": steps["data"]?[0]?["id"] ?? .null])
            _ = try s.call("runs/list", ["thread_id": thread, "limit": 1])
            _ = try s.call("runs/update", ["thread_id": thread, "run_id": run, "metadata": ["try": "2"]])
        }
    }

    func testFunctionCallFlowSendsWhatTheSDKSends() throws {
        try assertParity("function_call") { s in
            let assistant = id(try s.call("assistants/create", ["model": "qwen-max", "tools": [DashScopeSession.weatherTool]]))
            let thread = id(try s.call("threads/create", [:]))
            _ = try s.call("messages/create", ["thread_id": thread, "content": "Use get_current_weather for Hangzhou"])
            let run = id(try s.call("runs/create", ["thread_id": thread, "assistant_id": assistant]))
            XCTAssertEqual(try s.call("runs/wait", ["thread_id": thread, "run_id": run])["status"], "requires_action")
            _ = try s.call("runs/submitToolOutputs", [
                "thread_id": thread, "run_id": run, "tool_outputs": [["tool_call_id": "", "output": "sunny, 24C"]],
            ])
            XCTAssertEqual(try s.call("runs/wait", ["thread_id": thread, "run_id": run])["status"], "completed")
            _ = try s.call("messages/list", ["thread_id": thread])
        }
    }

    func testStreamFlowSendsWhatTheSDKSends() throws {
        try assertParity("stream") { s in
            let assistant = id(try s.call("assistants/create", ["model": "qwen-max", "tools": [DashScopeSession.weatherTool]]))
            let thread = id(try s.call("threads/create", [:]))
            _ = try s.call("messages/create", ["thread_id": thread, "content": "Say hello"])
            XCTAssertEqual(try s.call("runs/create", ["thread_id": thread, "assistant_id": assistant, "stream": true])["status"], "completed")
            _ = try s.call("messages/create", ["thread_id": thread, "content": "get_current_weather in Beijing?"])
            let paused = try s.call("runs/create", ["thread_id": thread, "assistant_id": assistant, "stream": true])
            XCTAssertEqual(paused["status"], "requires_action")
            _ = try s.call("runs/submitToolOutputs", [
                "thread_id": thread, "run_id": id(paused), "tool_outputs": [["tool_call_id": "", "output": "rain"]], "stream": true,
            ])
        }
    }

    func testCreateThreadAndRunFlowSendsWhatTheSDKSends() throws {
        try assertParity("create_thread_and_run") { s in
            let assistant = id(try s.call("assistants/create", ["model": "qwen-max"]))
            let run = try s.call("runs/createThreadAndRun", [
                "assistant_id": assistant, "thread": ["messages": [["role": "user", "content": "Hi"]]],
            ])
            _ = try s.call("runs/wait", ["thread_id": run["thread_id"] ?? .null, "run_id": id(run)])
            _ = try s.call("runs/createThreadAndRun", [
                "assistant_id": assistant, "thread": ["messages": [["role": "user", "content": "Hey"]]], "stream": true,
            ])
        }
    }

    func testCancelFlowSendsWhatTheSDKSends() throws {
        try assertParity("cancel") { s in
            let assistant = id(try s.call("assistants/create", ["model": "qwen-max"]))
            let thread = id(try s.call("threads/create", [:]))
            _ = try s.call("messages/create", ["thread_id": thread, "content": "Hi"])
            let run = id(try s.call("runs/create", ["thread_id": thread, "assistant_id": assistant]))
            XCTAssertEqual(try s.callError("runs/cancel", ["thread_id": thread, "run_id": run])["code"], -32015)
        }
    }

    // MARK: comparison

    func assertParity(_ flow: String, file: StaticString = #filePath, line: UInt = #line, _ body: (DashScopeSession) throws -> Void) throws {
        try session.fake.reset()
        try body(session)
        for difference in try SDKParity.differences(flow, ours: try session.fake.requests()) { XCTFail(difference, file: file, line: line) }
    }
}
