import Foundation
import JSONCore
import TestSupport
import XCTest

/// Every flow of both backends with a recognisable canary in every place a secret can come
/// from (the key in the environment, in a key file, in `initializationOptions.api_key`, a
/// custom header, a plugin `user_token`, the OpenAI model's key), at `--log-level debug` with
/// `--trace` and `--log-file`, with upstream errors that echo the request back; then every
/// byte that came out is scanned: stderr, the log, the trace, every response, notification and
/// error, and the database files. No canary may appear anywhere. Files are private (0600/0700).
final class SecretsScanTests: XCTestCase {
    enum Canary {
        static let environmentKey = "canary-env-key-7f3a9c2d"
        static let keyFile = "canary-keyfile-51be0d93"
        static let initializationKey = "canary-initopt-a8d2e47b"
        static let header = "canary-header-93c1f7e2"
        static let userToken = "canary-usertoken-6e0b2d5a"
        static let modelKey = "canary-modelkey-c47a1899"
        static let all = [environmentKey, keyFile, initializationKey, header, userToken, modelKey]
    }

    enum KeySource: String, CaseIterable { case environment, keyFile, initializationOptions }

    /// Everything scanned: a place's name and its bytes.
    var scanned: [(place: String, bytes: [UInt8])] = []
    var directory = ""

    override func setUpWithError() throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let pluginTool: JSONValue = ["type": "plugin_type", "auth": ["type": "user_http", "user_token": .string(Canary.userToken)]]

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    func testNoSecretReachesAnyOutputFileOrTheDatabase() async throws {
        let hosted = try FakeDashScopeServer(otherKeys: [Canary.environmentKey, Canary.keyFile, Canary.initializationKey])
        for source in KeySource.allCases { try hostedFlows(hosted, keySource: source) }
        let model = try FakeOpenAIServer()
        try await localFlows(model)

        var occurrences: [String: Int] = [:]
        for (place, bytes) in scanned {
            for canary in Canary.all {
                let count = Self.occurrences(of: Array(canary.utf8), in: bytes)
                if count > 0 { occurrences["\(canary) in \(place)", default: 0] += count }
            }
        }
        let total = occurrences.values.reduce(0, +)
        print("secrets scan: files and streams: \(scanned.map(\.place).filter { !$0.contains(" message ") }.joined(separator: ", "))")
        print("secrets scan: \(scanned.count) places, \(scanned.reduce(0) { $0 + $1.bytes.count }) bytes, \(Canary.all.count) canaries, \(total) occurrences")
        XCTAssertEqual(occurrences, [:], "secrets leaked")

        // The canaries did travel upstream, where they belong: else the scan proves nothing.
        let hostedRequests = try await hosted.requests().map { $0.serializedString() }.joined()
        for canary in [Canary.environmentKey, Canary.keyFile, Canary.initializationKey, Canary.header, Canary.userToken] {
            XCTAssertTrue(hostedRequests.contains(canary), "\(canary) never reached the hosted fake")
        }
        let modelRequests = try await model.requests()
        XCTAssertTrue(modelRequests.contains { $0["headers"]?["authorization"] == .string("Bearer \(Canary.modelKey)") })
    }

    // MARK: flows

    func commonFlags(_ name: String) -> [String] {
        ["--log-level", "debug", "--trace", path("\(name).trace.jsonl"), "--log-file", path("\(name).log")]
    }

    /// The hosted backend with the key from `keySource` and a custom header: assistants with a
    /// plugin tool, runs streamed and not, client tools, and errors that echo the request.
    func hostedFlows(_ fake: FakeDashScopeServer, keySource: KeySource) throws {
        let name = "hosted-\(keySource.rawValue)"
        var environment = DashScopeSession.childEnvironment([:])
        var arguments = ["--backend", "dashscope", "--base-url", fake.baseURL] + commonFlags(name)
        var options: JSONObject = ["headers": ["X-Custom-Auth": .string(Canary.header)]]
        switch keySource {
        case .environment:
            environment["DASHSCOPE_API_KEY"] = Canary.environmentKey
        case .keyFile:
            let keyPath = path("key.txt")
            try Data((Canary.keyFile + "\n").utf8).write(to: URL(fileURLWithPath: keyPath))
            arguments += ["--api-key-file", keyPath]
        case .initializationOptions:
            environment["DASHSCOPE_API_KEY"] = FakeDashScopeServer.apiKey
            options["api_key"] = .string(Canary.initializationKey)
        }
        let session = try AssistdSession(arguments: arguments, environment: environment, initialize: false)
        XCTAssertNotNil(try session.initialize(options: .object(options), clientTools: true)["result"])
        session.toolHandler = { _ in .output("sunny") }
        try commonFlows(session, tool: DashScopeSession.weatherTool, toolPrompt: "get_current_weather in Beijing?")

        // Errors whose text repeats the request's headers and body, as some gateways do.
        try fake.fail(["action": "echo_request", "status": 400, "count": 1, "method": "GET"])
        let echoed = try session.callError("assistants/list", [:])
        XCTAssertTrue(echoed.text("message").contains("[redacted]"), "the echo happened and was scrubbed: \(echoed)")
        try fake.fail(["action": "echo_request", "status": 500, "count": 1, "method": "POST", "path_regex": "/assistants$"])
        _ = try session.callError("assistants/create", ["model": "qwen-max", "tools": [Self.pluginTool]])
        try fake.fail(["action": "echo_request", "status": 500, "count": 1, "method": "POST", "path_regex": "/runs$"])
        let assistant = try session.call("assistants/create", ["model": "qwen-max", "tools": [Self.pluginTool]]).text("id")
        let thread = try session.call("threads/create", [:]).text("id")
        let streamed = try session.request("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        XCTAssertNotNil(streamed.error)
        try collect(session, name: name)
    }

    /// The local backend with the OpenAI-compatible model (its key from the environment), a
    /// data dir on disk, the hosted settings present but unused, and model errors that echo
    /// the request's headers.
    func localFlows(_ model: FakeOpenAIServer) async throws {
        let name = "local"
        let dataDir = path("data")
        var environment = ProcessInfo.processInfo.environment
        environment["ASSISTD_TEST_MODEL_KEY"] = Canary.modelKey
        environment["DASHSCOPE_API_KEY"] = Canary.environmentKey
        try await model.script([
            ["stream": [["text": "Hello there"], ["finish": "stop"]]],
            ["stream": [["text": "Hello again"], ["finish": "stop"]]],
            ["stream": [
                ["tool_calls": [["index": 0, "id": "call_1", "type": "function", "function": ["name": "big_add", "arguments": "{\"left\":1,\"right\":2}"]]]],
                ["finish": "tool_calls"],
            ]],
            ["stream": [["text": "It is 3"], ["finish": "stop"]]],
            ["status": 401, "echo_headers": true],
            ["status": 500, "echo_headers": true],
        ])
        let arguments = [
            "--backend", "local", "--data-dir", dataDir, "--model-url", model.modelURL, "--model-api-key-env", "ASSISTD_TEST_MODEL_KEY",
        ] + commonFlags(name)
        // Files that exist already are made private too.
        for file in ["\(name).log", "\(name).trace.jsonl"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: path(file), contents: Data(), attributes: [.posixPermissions: 0o644]))
        }
        let session = try AssistdSession(arguments: arguments, environment: environment, initialize: false)
        let options: JSONValue = ["api_key": .string(Canary.initializationKey), "headers": ["X-Custom-Auth": .string(Canary.header)]]
        XCTAssertNotNil(try session.initialize(options: options, clientTools: true)["result"])
        session.toolHandler = { _ in .output("3") }
        try commonFlows(session, tool: AssistdSession.bigAdd, toolPrompt: "Add 1 and 2")
        // The model's errors, repeating the request's headers (the Authorization with the key).
        let assistant = try session.assistant(tools: [Self.pluginTool])
        for stream in [false, true] {
            let thread = try session.thread()
            let id = session.send("runs/create", [
                "thread_id": .string(thread), "assistant_id": .string(assistant), "stream": .bool(stream), "handle_tools": true,
            ])
            let created = try XCTUnwrap(session.reply(to: id).result)
            let run = try session.waitRun(thread, try XCTUnwrap(created.id))
            XCTAssertEqual(run.status, "failed")
            XCTAssertTrue(run["last_error"]?.text("message").contains("Bearer [redacted]") == true, "\(run)")
        }
        try collect(session, name: name)
        try checkPrivate(dataDir, mode: 0o700)
        for file in try FileManager.default.contentsOfDirectory(atPath: dataDir) {
            let filePath = (dataDir as NSString).appendingPathComponent(file)
            try checkPrivate(filePath, mode: 0o600)
            scanned.append(("database file \(file)", try Self.bytes(filePath)))
        }
    }

    /// What both backends do: an assistant with a plugin tool (and the flows' function tool),
    /// runs streamed and not, and a run whose tool call the client answers.
    func commonFlows(_ session: AssistdSession, tool: JSONValue, toolPrompt: String) throws {
        let assistant = try session.call("assistants/create", ["model": "qwen-max", "tools": [Self.pluginTool, tool]]).text("id")
        _ = try session.call("assistants/retrieve", ["assistant_id": .string(assistant)])
        _ = try session.call("assistants/list", [:])
        let thread = try session.thread("Say hello")
        // handle_tools everywhere: the local backend runs plugin tools only through the client.
        let streamed = try session.request("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true, "handle_tools": true,
        ])
        XCTAssertEqual(streamed.result?.status, "completed", "\(streamed.response)")
        let other = try session.thread("Say hello again")
        let created = try session.call("runs/create", ["thread_id": .string(other), "assistant_id": .string(assistant), "handle_tools": true])
        XCTAssertEqual(try session.waitRun(other, try XCTUnwrap(created.id)).status, "completed")
        let toolThread = try session.thread(toolPrompt)
        let withTools = try session.request("runs/create", [
            "thread_id": .string(toolThread), "assistant_id": .string(assistant), "stream": true, "handle_tools": true,
        ])
        XCTAssertEqual(withTools.result?.status, "completed", "\(withTools.response)")
        _ = try session.call("runs/list", ["thread_id": .string(toolThread)])
    }

    /// Ends the session and keeps what it wrote: every message received, stderr, trace, log.
    func collect(_ session: AssistdSession, name: String) throws {
        XCTAssertEqual(session.finish(), 0)
        for (index, message) in session.log.enumerated() {
            scanned.append(("\(name) message \(index)", message.serialized()))
        }
        scanned.append(("\(name) stderr", Array(session.process.stderrText.utf8)))
        for file in ["\(name).trace.jsonl", "\(name).log"] {
            try checkPrivate(path(file), mode: 0o600)
            let bytes = try Self.bytes(path(file))
            XCTAssertFalse(bytes.isEmpty, "\(file) was written")
            scanned.append((file, bytes))
        }
    }

    func checkPrivate(_ path: String, mode: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        XCTAssertEqual(permissions & 0o777, mode, "\(path) is \(String(permissions & 0o777, radix: 8))", file: file, line: line)
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> Int {
        guard !needle.isEmpty, haystack.count >= needle.count else { return 0 }
        var count = 0
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], Array(haystack[index..<index + needle.count]) == needle {
                count += 1
                index += needle.count
            } else {
                index += 1
            }
        }
        return count
    }
}
