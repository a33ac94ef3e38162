import Foundation
import JSONCore
import TestSupport
import XCTest

/// Every method of protocol/assistd.openrpc.json, and every error code, driven through the
/// binary: each result, error, `runs/event` and `tools/call` is validated against the schema the
/// document gives it (`ProtocolSchemaChecker`), so the document and the binary cannot drift apart.
/// The local backend plays a scripted TEST model; the hosted-only errors come from a FAKE
/// DashScope service.
final class ProtocolConformanceTests: XCTestCase {
    static let script: JSONValue = [
        "turns": [["text": "Hello there", "chunks": 3]],
        "rules": [
            ["when_last_is_tool": true, "turn": ["text": "The sum is {{last_tool_output}}.", "chunks": 2]],
            ["when_last_user_contains": "add", "turn": ["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]]]]],
            ["when_last_user_contains": "slow", "turn": ["text": "A slow reply in many parts", "chunks": 50, "delay_ms": 100]],
            ["when_last_user_contains": "short", "turn": ["text": "Cut", "finish": "length"]],
            ["when_last_user_contains": "fail", "turn": ["error": ["kind": "server", "message": "the scripted model fails"]]],
        ],
    ]

    var checker: ProtocolSchemaChecker!

    override func setUpWithError() throws {
        checker = try ProtocolSchemaChecker()
    }

    /// Sends a request, waits for its answer and checks it with its events and tool calls.
    @discardableResult
    func exchange(_ session: AssistdSession, _ method: String, _ params: JSONValue?) throws -> AssistdSession.Reply {
        let toolCallsBefore = session.toolCalls.count
        let id = session.send(method, params)
        let reply = try session.reply(to: id)
        checker.checkResponse(reply.response, method: method)
        reply.events.forEach(checker.checkEvent)
        session.toolCalls.dropFirst(toolCallsBefore).forEach(checker.checkToolCall)
        return reply
    }

    @discardableResult
    func result(_ session: AssistdSession, _ method: String, _ params: JSONValue?, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let reply = try exchange(session, method, params)
        guard let result = reply.result else {
            XCTFail("\(method) failed: \(reply.response.serializedString())", file: file, line: line)
            throw AssistdSession.RPCFailure(method: method, error: reply.error ?? .null)
        }
        return result
    }

    func errorCode(_ session: AssistdSession, _ method: String, _ params: JSONValue?) throws -> Int64? {
        try exchange(session, method, params).error?["code"]?.intValue
    }

    func testEveryMethodAndErrorOfTheDocumentAgreesWithTheBinary() throws {
        try driveTheLocalBackend()
        try driveTheLifecycleErrors()
        try driveTheHostedOnlyErrors()

        XCTAssertEqual(checker.problems, [], "the binary and protocol/assistd.openrpc.json disagree:\n" + checker.problems.joined(separator: "\n"))
        XCTAssertEqual(checker.requestMethods.subtracting(checker.checkedResults), [], "methods with no result checked")
        // -32603 is a bug's answer: no request can ask for one.
        XCTAssertEqual(checker.componentErrorCodes.subtracting(checker.checkedErrorCodes), [-32603], "error codes never checked")
        for event in ["thread.created", "thread.run.created", "thread.run.step.delta", "thread.run.step.completed", "thread.message.delta",
                      "thread.message.completed", "thread.run.requires_action", "thread.run.completed", "thread.run.failed",
                      "thread.run.incomplete", "done"] {
            XCTAssertTrue(checker.checkedEvents.contains(event), "no \(event) event was checked")
        }
        XCTAssertGreaterThan(checker.checkedToolCalls, 0, "no tools/call was checked")
    }

    // MARK: the local backend, method by method

    func driveTheLocalBackend() throws {
        let session = try AssistdSession(script: Self.script)
        session.toolHandler = { _ in .output("3") }
        XCTAssertNotNil(try result(session, "rpc.discover", nil)["openrpc"])

        // Assistants and their files.
        let assistant = try result(session, "assistants/create", [
            "model": "qwen-max", "name": "checker", "instructions": "Be brief.", "tools": [AssistdSession.bigAdd],
            "metadata": ["k": "v"], "temperature": 0.5,
        ]).text("id")
        let target: JSONValue = ["assistant_id": .string(assistant)]
        try result(session, "assistants/list", ["limit": 2, "order": "asc"])
        try result(session, "assistants/retrieve", target)
        try result(session, "assistants/update", ["assistant_id": .string(assistant), "name": "renamed"])
        let file: JSONValue = ["assistant_id": .string(assistant), "file_id": "file-1"]
        if try exchange(session, "assistants/files/create", file).result != nil {
            try result(session, "assistants/files/retrieve", file)
            try result(session, "assistants/files/delete", file)
        }
        try result(session, "assistants/files/list", target)

        // Threads and messages (and their files).
        let thread = try result(session, "threads/create", ["messages": [["role": "user", "content": "hi"]], "metadata": ["a": "b"]]).text("id")
        try result(session, "threads/retrieve", ["thread_id": .string(thread)])
        try result(session, "threads/list", ["limit": 2])
        try result(session, "threads/update", ["thread_id": .string(thread), "metadata": ["a": "c"]])
        let message = try result(session, "messages/create", [
            "thread_id": .string(thread), "role": "user", "content": "hello", "file_ids": ["file-1"],
        ]).text("id")
        let messageTarget: JSONValue = ["thread_id": .string(thread), "message_id": .string(message)]
        try result(session, "messages/list", ["thread_id": .string(thread), "limit": 5])
        try result(session, "messages/retrieve", messageTarget)
        try result(session, "messages/update", ["thread_id": .string(thread), "message_id": .string(message), "metadata": ["m": "1"]])
        try result(session, "messages/files/list", messageTarget)
        try result(session, "messages/files/retrieve", ["thread_id": .string(thread), "message_id": .string(message), "file_id": "file-1"])

        // Runs: streamed; streamed with client tools; stopped at requires_action and continued.
        let streamed = try result(session, "runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let run = streamed.text("id")
        let runTarget: JSONValue = ["thread_id": .string(thread), "run_id": .string(run)]
        try result(session, "runs/list", ["thread_id": .string(thread)])
        try result(session, "runs/retrieve", runTarget)
        try result(session, "runs/update", ["thread_id": .string(thread), "run_id": .string(run), "metadata": ["r": "1"]])
        try result(session, "runs/wait", runTarget)
        try result(session, "runs/stream", runTarget)
        try result(session, "runs/stream", ["thread_id": .string(thread), "run_id": .string(run), "after_seq": 2])
        let steps = try result(session, "steps/list", ["thread_id": .string(thread), "run_id": .string(run), "order": "asc"])
        let step = try XCTUnwrap(steps["data"]?[0]?.id)
        try result(session, "steps/retrieve", ["thread_id": .string(thread), "run_id": .string(run), "step_id": .string(step)])

        let adding: JSONValue = ["messages": [["role": "user", "content": "please add 1 and 2"]]]
        let handled = try result(session, "runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "thread": adding, "stream": true, "handle_tools": true,
        ])
        XCTAssertEqual(handled.status, "completed")
        let waiting = try result(session, "runs/createThreadAndRun", ["assistant_id": .string(assistant), "thread": adding])
        let stopped = try result(session, "runs/wait", ["thread_id": .string(waiting.text("thread_id")), "run_id": .string(waiting.text("id"))])
        XCTAssertEqual(stopped.status, "requires_action")
        let call = try XCTUnwrap(stopped["required_action"]?["submit_tool_outputs"]?["tool_calls"]?[0]?.id)
        try result(session, "runs/submitToolOutputs", [
            "thread_id": .string(waiting.text("thread_id")), "run_id": .string(waiting.text("id")),
            "tool_outputs": [["tool_call_id": .string(call), "output": "3"]], "stream": true,
        ])

        // Runs that end otherwise: failed, incomplete (their events are checked too).
        for text in ["fail now", "short please"] {
            try result(session, "runs/createThreadAndRun", [
                "assistant_id": .string(assistant), "thread": ["messages": [["role": "user", "content": .string(text)]]], "stream": true,
            ])
        }

        // A slow run: another run on its thread conflicts; runs/cancel ends it; a cancelled stream answers -32800.
        let slowThread = try result(session, "threads/create", ["messages": [["role": "user", "content": "slow please"]]]).text("id")
        let slow = try result(session, "runs/create", ["thread_id": .string(slowThread), "assistant_id": .string(assistant)]).text("id")
        XCTAssertEqual(try errorCode(session, "runs/create", ["thread_id": .string(slowThread), "assistant_id": .string(assistant)]), -32014)
        try result(session, "runs/cancel", ["thread_id": .string(slowThread), "run_id": .string(slow)])
        try result(session, "runs/wait", ["thread_id": .string(slowThread), "run_id": .string(slow)])
        let cancelledStream = session.send("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "thread": ["messages": [["role": "user", "content": "slow again"]]], "stream": true,
        ])
        _ = try session.waitForEvents(of: cancelledStream, count: 3)
        session.cancel(cancelledStream)
        let cancelled = try session.reply(to: cancelledStream)
        checker.checkResponse(cancelled.response, method: "runs/createThreadAndRun")
        cancelled.events.forEach(checker.checkEvent)
        XCTAssertEqual(cancelled.error?["code"], -32800)

        // Errors of params and objects.
        XCTAssertEqual(try errorCode(session, "threads/retrieve", ["thread_id": "thread_missing"]), -32010)
        let arrayParams = try exchange(session, "threads/retrieve", []).error
        XCTAssertEqual(arrayParams?["code"], -32602)
        XCTAssertEqual(arrayParams?["data"]?["param"], "", "\"\" names params itself (protocol/README.md)")
        XCTAssertEqual(try errorCode(session, "threads/retrieve", ["thread_id": 5]), -32602)
        XCTAssertEqual(try errorCode(session, "assistants/list", ["order": "newest"]), -32602)
        XCTAssertEqual(try errorCode(session, "rpc.discover", ["x": 1]), -32602)
        XCTAssertEqual(try errorCode(session, "assistants/explode", [:]), -32601)

        // Deleting, then shutting down.
        try result(session, "threads/delete", ["thread_id": .string(thread)])
        try result(session, "assistants/delete", target)
        XCTAssertEqual(try result(session, "shutdown", nil), .null)
        XCTAssertEqual(try errorCode(session, "threads/create", [:]), -32600, "a request after shutdown")
        XCTAssertEqual(session.finish(), 0)
    }

    /// Before `initialize`, bad `initialize` params, framing and request errors, and a run
    /// option the client did not declare the capability for.
    func driveTheLifecycleErrors() throws {
        let session = try AssistdSession(arguments: ["--ephemeral", "--model", "scripted:\(try CommandRunner.writeScript(Self.script))"],
                                         initialize: false)
        XCTAssertEqual(try errorCode(session, "threads/create", [:]), -32002)
        XCTAssertEqual(try errorCode(session, "initialize", ["capabilities": "all"]), -32602)
        session.process.send(body: Array("{not json".utf8))
        let parseError = try session.response(to: .null)
        checker.checkResponse(parseError, method: nil)
        XCTAssertEqual(parseError["error"]?["code"], -32700)
        session.process.send(["jsonrpc": "2.0", "id": 7, "method": 5])
        let invalid = try session.response(to: 7)
        checker.checkResponse(invalid, method: nil)
        XCTAssertEqual(invalid["error"]?["code"], -32600)

        try exchange(session, "initialize", ["clientInfo": ["name": "checker"], "capabilities": [:]])
        let assistant = try result(session, "assistants/create", ["model": "qwen-max"]).text("id")
        let code = try errorCode(session, "runs/createThreadAndRun", ["assistant_id": .string(assistant), "handle_tools": true])
        XCTAssertEqual(code, -32602, "handle_tools without capabilities.tools.call")
        XCTAssertEqual(try errorCode(session, "initialize", [:]), -32600, "a second initialize")
        XCTAssertEqual(session.finish(), 0)
    }

    /// The errors only the hosted backend gives: no key, throttled, the service failing, no
    /// cancel endpoint; each through the binary against the fake service.
    func driveTheHostedOnlyErrors() throws {
        let keyless = try DashScopeSession(environment: [:])
        try exchange(keyless, "initialize", ["clientInfo": ["name": "checker"]])
        XCTAssertEqual(try errorCode(keyless, "threads/create", [:]), -32011)
        XCTAssertEqual(keyless.finish(), 0)

        let session = try DashScopeSession(arguments: [], environment: nil)
        try exchange(session, "initialize", ["clientInfo": ["name": "checker"], "initializationOptions": ["max_retries": 0]])
        let (assistant, thread) = try session.assistantAndThread(saying: "hi")
        try session.fake.fail(["status": 429, "code": "Throttling.RateQuota", "retry_after": 0, "count": 1])
        XCTAssertEqual(try errorCode(session, "threads/retrieve", ["thread_id": .string(thread)]), -32012)
        try session.fake.fail(["status": 500, "code": "InternalError", "message": "the service failed", "count": 1])
        XCTAssertEqual(try errorCode(session, "threads/retrieve", ["thread_id": .string(thread)]), -32013)
        let run = try result(session, "runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)]).text("id")
        XCTAssertEqual(try errorCode(session, "runs/cancel", ["thread_id": .string(thread), "run_id": .string(run)]), -32015)
        try result(session, "runs/wait", ["thread_id": .string(thread), "run_id": .string(run)])
        XCTAssertEqual(session.finish(), 0)
    }
}
