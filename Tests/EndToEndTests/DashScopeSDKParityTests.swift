import Foundation
import JSONCore
import XCTest

/// What assistd sends upstream for a flow of JSON-RPC calls equals what the official Python
/// SDK (`pip install dashscope==2.0.2`, see Tests/requirements.txt) sends for the same flow:
/// verbs, paths, queries, bodies and the headers that matter. The SDK runs its quick-start
/// flows against the fake once (Tests/DashScopeTests/FakeDashScope/sdk_quickstart_check.py);
/// the same flows then go through the binary against a fresh fake, whose ids restart on reset.
final class DashScopeSDKParityTests: XCTestCase {
    /// The SDK's recording, made once per test process.
    final class Recording: @unchecked Sendable {
        static let shared = Recording()
        private let lock = NSLock()
        private var cached: (status: Int32, output: String, flows: JSONObject)?

        func get() throws -> (status: Int32, output: String, flows: JSONObject) {
            try lock.withLock {
                if let cached { return cached }
                let fake = try FakeDashScopeProcess()
                defer { fake.stop() }
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("sdk-flows-\(UUID().uuidString).json")
                defer { try? FileManager.default.removeItem(at: file) }
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = [
                    "python3", FakeDashScopeProcess.directory.appendingPathComponent("sdk_quickstart_check.py").path,
                    "--port", String(fake.port), "--api-key", FakeDashScopeProcess.apiKey, "--workspace", "ws-test", "--record", file.path,
                ]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                try process.run()
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                let flows = (try? JSONValue.parse(Data(contentsOf: file)))?.objectValue ?? [:]
                cached = (process.terminationStatus, text, flows)
                return cached!
            }
        }
    }

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
            _ = try s.result("threads/create", [:])
            let thread = id(try s.result("threads/create", ["messages": [["role": "user", "content": "Hello"]], "metadata": ["topic": "greeting"]]))
            _ = try s.result("threads/retrieve", ["thread_id": thread])
            _ = try s.result("threads/update", ["thread_id": thread, "metadata": ["topic": "changed"]])
            let message = id(try s.result("messages/create", [
                "thread_id": thread, "content": "How does AI work?", "file_ids": ["file-1"], "metadata": ["k": "v"],
            ]))
            _ = try s.result("messages/list", ["thread_id": thread, "limit": 5, "order": "asc"])
            _ = try s.result("messages/retrieve", ["thread_id": thread, "message_id": message])
            _ = try s.result("messages/update", ["thread_id": thread, "message_id": message, "metadata": ["k": "w"]])
            _ = try s.result("messages/files/list", ["thread_id": thread, "message_id": message])
            _ = try s.result("messages/files/retrieve", ["thread_id": thread, "message_id": message, "file_id": "file-1"])
            _ = try s.result("threads/delete", ["thread_id": thread])
        }
    }

    func testAssistantsFlowSendsWhatTheSDKSends() throws {
        try assertParity("assistants") { s in
            let created = id(try s.result("assistants/create", [
                "model": "qwen-max", "name": "helper", "description": "a helper", "instructions": "You are helpful.",
                "tools": [DashScopeSession.weatherTool],
            ]))
            _ = try s.result("assistants/retrieve", ["assistant_id": created])
            _ = try s.result("assistants/create", ["model": "qwen-plus"])
            _ = try s.result("assistants/list", ["limit": 10, "order": "asc"])
            _ = try s.result("assistants/list", ["after": created, "order": "asc"])
            _ = try s.result("assistants/update", ["assistant_id": created, "name": "renamed", "instructions": "Be brief."])
            _ = try s.result("assistants/files/create", ["assistant_id": created, "file_id": "file-abc"])
            _ = try s.result("assistants/files/list", ["assistant_id": created])
            _ = try s.result("assistants/files/retrieve", ["assistant_id": created, "file_id": "file-abc"])
            _ = try s.result("assistants/files/delete", ["assistant_id": created, "file_id": "file-abc"])
            _ = try s.result("assistants/delete", ["assistant_id": created])
            XCTAssertEqual(try s.error("assistants/retrieve", ["assistant_id": created])["code"], -32010)
        }
    }

    func testRunAndPollFlowSendsWhatTheSDKSends() throws {
        try assertParity("run_poll") { s in
            let assistant = id(try s.result("assistants/create", ["model": "qwen-max", "instructions": "You are helpful."]))
            let thread = id(try s.result("threads/create", [:]))
            _ = try s.result("messages/create", ["thread_id": thread, "content": "Tell me a joke"])
            let run = id(try s.result("runs/create", ["thread_id": thread, "assistant_id": assistant, "metadata": ["try": "1"]]))
            XCTAssertEqual(try s.result("runs/wait", ["thread_id": thread, "run_id": run])["status"], "completed")
            _ = try s.result("messages/list", ["thread_id": thread])
            let steps = try s.result("steps/list", ["thread_id": thread, "run_id": run])
            _ = try s.result("steps/retrieve", ["thread_id": thread, "run_id": run, "step_id": steps["data"]?[0]?["id"] ?? .null])
            _ = try s.result("runs/list", ["thread_id": thread, "limit": 1])
            _ = try s.result("runs/update", ["thread_id": thread, "run_id": run, "metadata": ["try": "2"]])
        }
    }

    func testFunctionCallFlowSendsWhatTheSDKSends() throws {
        try assertParity("function_call") { s in
            let assistant = id(try s.result("assistants/create", ["model": "qwen-max", "tools": [DashScopeSession.weatherTool]]))
            let thread = id(try s.result("threads/create", [:]))
            _ = try s.result("messages/create", ["thread_id": thread, "content": "Use get_current_weather for Hangzhou"])
            let run = id(try s.result("runs/create", ["thread_id": thread, "assistant_id": assistant]))
            XCTAssertEqual(try s.result("runs/wait", ["thread_id": thread, "run_id": run])["status"], "requires_action")
            _ = try s.result("runs/submitToolOutputs", [
                "thread_id": thread, "run_id": run, "tool_outputs": [["tool_call_id": "", "output": "sunny, 24C"]],
            ])
            XCTAssertEqual(try s.result("runs/wait", ["thread_id": thread, "run_id": run])["status"], "completed")
            _ = try s.result("messages/list", ["thread_id": thread])
        }
    }

    func testStreamFlowSendsWhatTheSDKSends() throws {
        try assertParity("stream") { s in
            let assistant = id(try s.result("assistants/create", ["model": "qwen-max", "tools": [DashScopeSession.weatherTool]]))
            let thread = id(try s.result("threads/create", [:]))
            _ = try s.result("messages/create", ["thread_id": thread, "content": "Say hello"])
            XCTAssertEqual(try s.result("runs/create", ["thread_id": thread, "assistant_id": assistant, "stream": true])["status"], "completed")
            _ = try s.result("messages/create", ["thread_id": thread, "content": "get_current_weather in Beijing?"])
            let paused = try s.result("runs/create", ["thread_id": thread, "assistant_id": assistant, "stream": true])
            XCTAssertEqual(paused["status"], "requires_action")
            _ = try s.result("runs/submitToolOutputs", [
                "thread_id": thread, "run_id": id(paused), "tool_outputs": [["tool_call_id": "", "output": "rain"]], "stream": true,
            ])
        }
    }

    func testCreateThreadAndRunFlowSendsWhatTheSDKSends() throws {
        try assertParity("create_thread_and_run") { s in
            let assistant = id(try s.result("assistants/create", ["model": "qwen-max"]))
            let run = try s.result("runs/createThreadAndRun", [
                "assistant_id": assistant, "thread": ["messages": [["role": "user", "content": "Hi"]]],
            ])
            _ = try s.result("runs/wait", ["thread_id": run["thread_id"] ?? .null, "run_id": id(run)])
            _ = try s.result("runs/createThreadAndRun", [
                "assistant_id": assistant, "thread": ["messages": [["role": "user", "content": "Hey"]]], "stream": true,
            ])
        }
    }

    func testCancelFlowSendsWhatTheSDKSends() throws {
        try assertParity("cancel") { s in
            let assistant = id(try s.result("assistants/create", ["model": "qwen-max"]))
            let thread = id(try s.result("threads/create", [:]))
            _ = try s.result("messages/create", ["thread_id": thread, "content": "Hi"])
            let run = id(try s.result("runs/create", ["thread_id": thread, "assistant_id": assistant]))
            XCTAssertEqual(try s.error("runs/cancel", ["thread_id": thread, "run_id": run])["code"], -32015)
        }
    }

    // MARK: comparison

    func assertParity(_ flow: String, file: StaticString = #filePath, line: UInt = #line, _ body: (DashScopeSession) throws -> Void) throws {
        let sdk = try Recording.shared.get()
        if sdk.status == 3 {
            return XCTFail("the official DashScope Python SDK is not installed: pip install -r Tests/requirements.txt\n\(sdk.output)", file: file, line: line)
        }
        XCTAssertEqual(sdk.status, 0, sdk.output, file: file, line: line)
        guard let sdkRequests = sdk.flows[flow]?.arrayValue else {
            return XCTFail("the SDK recorded no flow \(flow): \(sdk.output)", file: file, line: line)
        }
        try session.fake.reset()
        try body(session)
        let ours = try session.fake.requests()
        let expected = Self.collapsePolls(sdkRequests.map { Self.normalized($0, sdk: true) })
        let actual = Self.collapsePolls(Self.droppingCancelCheck(ours).map { Self.normalized($0, sdk: false) })
        XCTAssertEqual(actual.count, expected.count, "\(flow): assistd sent \(actual.count) requests, the SDK \(expected.count)", file: file, line: line)
        for (index, (mine, theirs)) in zip(actual, expected).enumerated() where mine != theirs {
            XCTFail("\(flow) request \(index) differs:\n assistd: \(mine.serializedString(sortedKeys: true))\n     SDK: \(theirs.serializedString(sortedKeys: true))",
                file: file, line: line)
        }
    }

    /// Verb, path, query, body, and the values of Authorization, Accept, Content-Type (only
    /// with a body) and X-DashScope-WorkSpace. Identity headers (user agent, x-dashscope-sdk-*)
    /// and the HTTP library's own are not compared.
    static func normalized(_ request: JSONValue, sdk: Bool) -> JSONValue {
        var body = request["body_text"]?.stringValue == "" ? JSONValue.null : (request["body"] ?? .null)
        let method = request["method"] ?? .null
        let path = request["path"]?.stringValue ?? ""
        // Deliberate difference: the SDK's Assistants.update always sends file_ids [] (wiping the
        // assistant's files) and metadata null; assistd sends only what the client gave.
        if sdk, method == "POST", path.split(separator: "/").count == 4, path.contains("/assistants/"), case .object(var object) = body {
            if object["file_ids"] == [] { object["file_ids"] = nil }
            if object["metadata"] == .null { object["metadata"] = nil }
            body = .object(object)
        }
        let headers = request["headers"] ?? [:]
        return [
            "method": method, "path": .string(path), "query": request["query"] ?? [:], "body": body,
            "authorization": headers["authorization"] ?? .null, "accept": headers["accept"] ?? .null,
            "content-type": headers["content-type"] ?? .null, "workspace": headers["x-dashscope-workspace"] ?? .null,
        ]
    }

    /// `runs/wait` polls faster than the SDK's 1 s: repeated GETs of one run count once.
    static func collapsePolls(_ requests: [JSONValue]) -> [JSONValue] {
        var result: [JSONValue] = []
        for request in requests where !(request["method"] == "GET" && result.last == request) { result.append(request) }
        return result
    }

    /// Deliberate difference: after the service refuses POST …/cancel, assistd GETs the run to
    /// tell "no cancel endpoint" (-32015) from "no such run" (-32010).
    static func droppingCancelCheck(_ requests: [JSONValue]) -> [JSONValue] {
        var result: [JSONValue] = []
        for request in requests {
            if request["method"] == "GET", let last = result.last, last["path"]?.stringValue?.hasSuffix("/cancel") == true { continue }
            result.append(request)
        }
        return result
    }
}
