import Foundation
import JSONCore
import TestSupport
import XCTest

/// How the binary finds the hosted service (key from the environment or a file, flags,
/// regions, `initializationOptions` per connection), and that the key never shows up in the
/// trace, the debug log or an error.
final class DashScopeConfigurationTests: XCTestCase {
    let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("assistd-dashscope-\(UUID().uuidString)")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: temporary)
    }

    func testKeyFromAFileWhenTheEnvironmentHasNone() throws {
        let keyFile = temporary.appendingPathComponent("key")
        try Data((FakeDashScopeServer.apiKey + "\n").utf8).write(to: keyFile)
        let session = try DashScopeSession(arguments: ["--api-key-file", keyFile.path], environment: [:])
        XCTAssertNotNil(try session.initialize()["result"])
        XCTAssertNotNil(try session.call("threads/create", [:])["id"])
        XCTAssertEqual(try session.fake.requests().last?["headers"]?["authorization"]?.stringValue, "Bearer \(FakeDashScopeServer.apiKey)")
        XCTAssertEqual(session.finish(), 0)
    }

    /// With no key anywhere assistd still starts (a plugin may give the key per connection, from
    /// the editor's secret store); a call without one is unauthenticated and says where a key goes.
    func testNoKeyAnywhereStartsAndACallIsUnauthenticatedSayingWhere() throws {
        let session = try DashScopeSession(environment: [:])
        XCTAssertEqual(try session.initialize()["result"]?["backend"]?["name"], "dashscope")
        let error = try session.callError("threads/create", [:])
        XCTAssertEqual(error["code"], -32011)
        XCTAssertEqual(error["data"]?["code"], "InvalidApiKey")
        let message = error["message"]?.stringValue ?? ""
        for place in ["DASHSCOPE_API_KEY", "--api-key-file", "initializationOptions.api_key"] {
            XCTAssertTrue(message.contains(place), message)
        }
        XCTAssertEqual(try session.fake.requests().count, 0, "nothing was sent without a key")
        XCTAssertEqual(session.finish(), 0)
    }

    /// protocol/README.md: the key may come only through `initializationOptions.api_key`.
    func testTheKeyMayComeOnlyFromInitializationOptions() throws {
        let session = try DashScopeSession(environment: [:])
        XCTAssertNotNil(try session.initialize(options: ["api_key": .string(FakeDashScopeServer.apiKey)])["result"])
        XCTAssertNotNil(try session.call("threads/create", [:])["id"])
        XCTAssertEqual(try session.fake.requests().last?["headers"]?["authorization"]?.stringValue, "Bearer \(FakeDashScopeServer.apiKey)")
        XCTAssertEqual(session.finish(), 0)
    }

    /// Both ways README gives of naming the key choose the hosted backend.
    func testTheKeyFilePathInTheEnvironmentSelectsTheHostedBackend() throws {
        let keyFile = temporary.appendingPathComponent("key")
        try Data((FakeDashScopeServer.apiKey + "\n").utf8).write(to: keyFile)
        let fake = try FakeDashScopeServer()
        defer { fake.stop() }
        let process = try AssistdProcess(framing: .ndjson, arguments: ["--base-url", fake.baseURL],
            environment: DashScopeSession.childEnvironment(["DASHSCOPE_API_KEY_FILE_PATH": keyFile.path]))
        process.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": [:]])
        XCTAssertEqual(process.next()?["result"]?["backend"]?["name"], "dashscope")
        process.send(["jsonrpc": "2.0", "id": 2, "method": "threads/create", "params": [:]])
        XCTAssertEqual(process.next()?["result"]?["object"], "thread")
        XCTAssertEqual(try fake.requests().last?["headers"]?["authorization"]?.stringValue, "Bearer \(FakeDashScopeServer.apiKey)")
        process.closeStdin()
        XCTAssertEqual(process.waitForExit(), 1)
    }

    func testTheKeyInTheEnvironmentSelectsTheHostedBackend() throws {
        let fake = try FakeDashScopeServer()
        let process = try AssistdProcess(framing: .ndjson, arguments: ["--base-url", fake.baseURL],
            environment: DashScopeSession.childEnvironment(["DASHSCOPE_API_KEY": FakeDashScopeServer.apiKey]))
        process.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": [:]])
        XCTAssertEqual(process.next()?["result"]?["backend"]?["name"], "dashscope")
        process.closeStdin()
        XCTAssertEqual(process.waitForExit(), 1)
    }

    /// `initialize`'s answer names the base URL and workspace each way of choosing them gives.
    func testRegionsEnvironmentAndFlagsChooseTheBaseAndWorkspace() throws {
        let cases: [(arguments: [String], environment: [String: String], base: String, workspace: JSONValue)] = [
            ([], [:], "https://dashscope.aliyuncs.com/api/v1", .null),
            (["--region", "intl"], [:], "https://dashscope-intl.aliyuncs.com/api/v1", .null),
            (["--region", "cn", "--workspace", "ws-flag"], [:], "https://dashscope.aliyuncs.com/api/v1", "ws-flag"),
            ([], ["DASHSCOPE_HTTP_BASE_URL": "http://127.0.0.1:9/api/v1", "DASHSCOPE_WORKSPACE_ID": "ws-env"], "http://127.0.0.1:9/api/v1", "ws-env"),
            (["--base-url", "http://127.0.0.1:8/api/v1/", "--workspace", "ws-flag"], ["DASHSCOPE_WORKSPACE_ID": "ws-env"],
             "http://127.0.0.1:8/api/v1", "ws-flag"),
        ]
        for entry in cases {
            var environment = entry.environment
            environment["DASHSCOPE_API_KEY"] = FakeDashScopeServer.apiKey
            let process = try AssistdProcess(framing: .ndjson, arguments: ["--backend", "dashscope"] + entry.arguments,
                environment: DashScopeSession.childEnvironment(environment))
            process.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": [:]])
            let backend = process.next()?["result"]?["backend"]
            XCTAssertEqual(backend?["base_url"]?.stringValue, entry.base, "\(entry)")
            XCTAssertEqual(backend?["workspace"], entry.workspace, "\(entry)")
            process.closeStdin()
            _ = process.waitForExit()
        }
    }

    /// One process started pointing nowhere with a wrong key: the connection's
    /// `initializationOptions` point it at the service with the right key and a workspace.
    func testInitializationOptionsRepointTheConnection() throws {
        let arguments = ["--base-url", "http://127.0.0.1:1/api/v1", "--workspace", "ws-flag"]
        let session = try DashScopeSession(arguments: arguments, environment: ["DASHSCOPE_API_KEY": "sk-wrong-0123456789"])
        // A bad option fails initialize, naming it; the client may try again.
        let refused = try session.initialize(options: ["dashscope": ["base_url": "ftp://example.com"]])
        XCTAssertEqual(refused["error"]?["code"], -32602, "\(refused)")
        XCTAssertEqual(refused["error"]?["data"]?["param"], "initializationOptions.dashscope.base_url")

        let reply = try session.initialize(options: ["dashscope": [
            "base_url": .string(session.fake.baseURL), "api_key": .string(FakeDashScopeServer.apiKey), "workspace": "ws-override",
        ]])
        let backend = try XCTUnwrap(reply["result"]?["backend"], "\(reply)")
        XCTAssertEqual(backend["base_url"]?.stringValue, session.fake.baseURL)
        XCTAssertEqual(backend["workspace"], "ws-override")
        XCTAssertNil(backend["api_key"], "the key is never echoed")
        XCTAssertNotNil(try session.call("threads/create", [:])["id"])
        let headers = try XCTUnwrap(session.fake.requests().last?["headers"])
        XCTAssertEqual(headers["authorization"]?.stringValue, "Bearer \(FakeDashScopeServer.apiKey)")
        XCTAssertEqual(headers["x-dashscope-workspace"], "ws-override")
        XCTAssertEqual(session.finish(), 0)

        // The same flags without the options: the flags' base (nothing listens there) is used.
        let plain = try DashScopeSession(fake: session.fake, arguments: arguments, environment: ["DASHSCOPE_API_KEY": FakeDashScopeServer.apiKey])
        XCTAssertNotNil(try plain.initialize(options: ["max_retries": 0])["result"])
        let error = try plain.callError("threads/create", [:])
        XCTAssertEqual(error["code"], -32013)
        XCTAssertEqual(error["data"]?["code"], "ConnectionRefused")
        XCTAssertTrue(error.text("message").contains("127.0.0.1:1"), error.text("message"))
        XCTAssertEqual(plain.finish(), 0)
    }

    /// A whole session with `--trace` and `--log-file` at debug, the key given both in the
    /// environment and in `initializationOptions`, and a service that echoes it in errors.
    func testTheKeyNeverReachesTheTraceTheLogOrAnError() throws {
        let key = FakeDashScopeServer.apiKey
        let trace = temporary.appendingPathComponent("trace.jsonl")
        let log = temporary.appendingPathComponent("assistd.log")
        let session = try DashScopeSession(arguments: ["--trace", trace.path, "--log-file", log.path, "--log-level", "debug"])
        var received: [JSONValue] = []
        received.append(try session.initialize(options: ["dashscope": ["api_key": .string(key), "headers": ["Authorization": .string("Bearer \(key)")]]]))
        let (assistant, thread) = try session.assistantAndThread(saying: "Say hello")
        let id = session.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        received.append(try session.response(to: id))
        received += session.events[id] ?? []
        // Services and proxies that echo the request back, in JSON and as plain text.
        try session.fake.fail(["status": 400, "code": "InvalidParameter", "message": .string("bad header: Authorization: Bearer \(key)"), "count": 1])
        received.append(try session.request("threads/retrieve", ["thread_id": .string(thread)]).response)
        try session.fake.fail(["status": 401, "code": "InvalidApiKey", "message": .string("Invalid API-key provided: \(key)"), "count": 1])
        received.append(try session.request("threads/retrieve", ["thread_id": .string(thread)]).response)
        try session.fake.knobs(["error_after_events": 2])
        let broken = session.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        received.append(try session.response(to: broken))
        XCTAssertEqual(session.finish(), 0)

        for message in received {
            XCTAssertFalse(message.serializedString().contains(key), "the key reached the client: \(message)")
        }
        XCTAssertTrue(received.contains { $0["error"]?["message"]?.stringValue?.contains("[redacted]") == true }, "the echoed key is redacted")
        let traceText = try String(contentsOf: trace, encoding: .utf8)
        let logText = try String(contentsOf: log, encoding: .utf8)
        XCTAssertTrue(traceText.contains("initializationOptions"), "the trace recorded the session")
        XCTAssertTrue(logText.contains("dashscope: POST threads"), "the debug log recorded the upstream calls: \(logText.prefix(500))")
        XCTAssertFalse(traceText.contains(key), "the key is in the trace")
        XCTAssertFalse(logText.contains(key), "the key is in the log")
        XCTAssertFalse(session.process.stderrText.contains(key), "the key is on stderr")
        // What went upstream did carry it, so the checks above looked at a session that used it.
        XCTAssertEqual(try session.fake.requests().first?["headers"]?["authorization"]?.stringValue, "Bearer \(key)")
    }
}
