import Foundation
import JSONCore
import TestSupport
import XCTest

/// The hosted backend's upstream faults through the binary, against the FAKE service: each ends
/// in a clear `-32012`/`-32013` error (its `data.code` naming the fault) within a bound set by
/// `initializationOptions` (`connect_timeout_ms`, `read_timeout_ms`, short here), and the next
/// request works. Times are printed (`fault: … s`) and bounded loosely: the machine may be loaded.
final class DashScopeFaultTests: XCTestCase {
    static let timeoutMs: Int64 = 1000
    /// How long a failure may take on a loaded machine, retries with backoff included.
    static let bound = 10.0

    var session: DashScopeSession!

    override func tearDownWithError() throws {
        if let session {
            XCTAssertEqual(session.finish(), 0)
            XCTAssertEqual(session.process.outputProblems, [])
        }
        session = nil
    }

    func start(baseURL: String? = nil) throws {
        session = try DashScopeSession(arguments: baseURL.map { ["--base-url", $0] } ?? [])
        let options: JSONValue = ["dashscope": ["connect_timeout_ms": .int(Self.timeoutMs), "read_timeout_ms": .int(Self.timeoutMs)]]
        XCTAssertNotNil(try session.initialize(options: options)["result"])
    }

    /// A request that must fail: its error and the seconds it took.
    func timedError(_ name: String, _ method: String, _ params: JSONValue) throws -> (error: JSONValue, seconds: Double) {
        let started = Date()
        let reply = try session.request(method, params)
        let seconds = Date().timeIntervalSince(started)
        print("fault: dashscope \(name): \(reply.error.map { "error \($0["code"] ?? .null) \($0["data"]?["code"] ?? .null)" } ?? "ok") in \(String(format: "%.3f", seconds)) s")
        return (try XCTUnwrap(reply.error, "\(name) should have failed: \(reply.response)"), seconds)
    }

    func assertFails(
        _ name: String, _ method: String, _ params: JSONValue, code: Int64 = -32013, serviceCode: String, saying words: String,
        within bound: Double = bound, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let (error, seconds) = try timedError(name, method, params)
        XCTAssertEqual(error["code"]?.intValue, code, "\(error)", file: file, line: line)
        XCTAssertEqual(error["data"]?["code"]?.stringValue, serviceCode, "\(error)", file: file, line: line)
        XCTAssertTrue(error.text("message").contains(words), "'\(words)' not in: \(error.text("message"))", file: file, line: line)
        XCTAssertLessThan(seconds, bound, "\(name) took \(seconds) s", file: file, line: line)
    }

    func assertNextRequestWorks(file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try session.call("assistants/list", [:])["object"], "list", file: file, line: line)
    }

    /// Params of a streamed run of a fresh assistant and thread.
    func streamedRun(saying text: String = "Say hello", tools: [JSONValue] = []) throws -> JSONValue {
        let (assistant, thread) = try session.assistantAndThread(saying: text, tools: tools)
        return ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true]
    }

    func testConnectionRefusedFailsAtOnce() throws {
        let closed = try FakeDashScopeServer()
        let url = closed.baseURL
        closed.stop()
        try start(baseURL: url)
        try assertFails("connection refused", "threads/create", [:], serviceCode: "ConnectionRefused", saying: "connection refused")
    }

    func testResetBeforeAnsweringAndMidStreamFailAndTheNextRequestWorks() throws {
        try start()
        try session.fake.fail(["status": 0, "count": 1, "method": "POST", "path_regex": "/threads$"])
        try assertFails("reset before answering (POST)", "threads/create", [:], serviceCode: "ConnectionLost", saying: "closed the connection before answering")
        try assertNextRequestWorks()
        let params = try streamedRun()
        try session.fake.knobs(["reset_after_events": 3])
        try assertFails("reset mid-stream", "runs/create", params, serviceCode: "ConnectionLost", saying: "after 3 events")
        try session.fake.knobs(["reset_after_events": .null])
        try assertNextRequestWorks()
    }

    func testStalledStreamsFailAfterTheReadTimeout() throws {
        try start()
        var params = try streamedRun()
        try session.fake.fail(["action": "headers_then_silence", "count": 1, "method": "POST", "path_regex": "/runs$"])
        try assertFails("headers then silence", "runs/create", params, serviceCode: "Timeout", saying: "read timeout of 1 s")
        try assertNextRequestWorks()

        params = try streamedRun()
        try session.fake.knobs(["stall_after_events": 4, "stall_ms": 30_000])
        try assertFails("stall mid-stream", "runs/create", params, serviceCode: "Timeout", saying: "after 4 events")
        try session.fake.knobs(["stall_after_events": .null, "stall_ms": 0])
        try assertNextRequestWorks()

        // A write is not repeated after a timeout (it may have taken effect): one wait only.
        try session.fake.fail(["delay_ms": 30_000, "count": 1, "method": "POST"])
        try assertFails("silence before the head", "threads/create", [:], serviceCode: "Timeout", saying: "connect timeout of 1 s")
        try assertNextRequestWorks()
    }

    func testRateLimitStormsAndServerErrorBurstsEndInTheirErrors() throws {
        try start()
        try session.fake.fail(["status": 429, "code": "Throttling.RateQuota", "message": "Requests rate limit exceeded", "retry_after": 0, "count": 20])
        try assertFails("429 storm (GET, retried 3 times)", "assistants/list", [:], code: -32012, serviceCode: "Throttling.RateQuota", saying: "rate limit")
        try assertFails("429 storm (POST, not retried)", "threads/create", [:], code: -32012, serviceCode: "Throttling.RateQuota", saying: "rate limit")
        try session.fake.reset()
        try session.fake.fail(["status": 500, "code": "InternalError", "message": "the service failed", "count": 20])
        try assertFails("500 burst (GET)", "assistants/list", [:], serviceCode: "InternalError", saying: "the service failed")
        try assertFails("500 burst (stream)", "runs/createThreadAndRun", ["assistant_id": "asst_x", "stream": true], serviceCode: "InternalError",
                        saying: "the service failed")
        try session.fake.reset()
        try assertNextRequestWorks()
    }

    func testGarbageBodiesFailClearly() throws {
        try start()
        try session.fake.fail(["action": "garbage", "body": "<html>502 Bad Gateway</html>", "content_type": "text/html", "count": 1, "method": "GET"])
        try assertFails("non-JSON body", "assistants/list", [:], serviceCode: "MalformedResponse", saying: "is not JSON")
        let invalidUTF8 = Data("{\"object\":\"list\",\"data\":[\"".utf8) + Data([0xFF, 0xFE]) + Data("\"]}".utf8)
        try session.fake.fail(["action": "garbage", "body_b64": .string(invalidUTF8.base64EncodedString()), "content_type": "application/json", "count": 1, "method": "GET"])
        try assertFails("invalid UTF-8 body", "assistants/list", [:], serviceCode: "MalformedResponse", saying: "is not JSON")
        let params = try streamedRun()
        try session.fake.fail(["action": "garbage", "body": "event:thread.run.created\ndata:{\"id\": nope\n\n", "content_type": "text/event-stream", "count": 1, "method": "POST", "path_regex": "/runs$"])
        try assertFails("non-JSON event", "runs/create", params, serviceCode: "MalformedEvent", saying: "is not JSON")
        try session.fake.fail(["action": "garbage", "body": "hello, I am not an event stream", "content_type": "text/event-stream", "count": 1, "method": "POST", "path_regex": "/runs$"])
        try assertFails("non-SSE stream body", "runs/create", params, serviceCode: "IncompleteStream", saying: "without its done event")
        try assertNextRequestWorks()
    }

    func testToolCallsThatAreNotAnArrayFailTheStreamAsMalformedEvent() throws {
        try start()
        for place in ["step_delta", "required_action"] {
            let params = try streamedRun(saying: "get_current_weather in Beijing?", tools: [DashScopeSession.weatherTool])
            try session.fake.knobs(["bad_tool_calls": .string(place)])
            try assertFails("tool_calls not an array (\(place))", "runs/create", params, serviceCode: "MalformedEvent", saying: "not an array")
        }
        try session.fake.knobs(["bad_tool_calls": .null])
        try assertNextRequestWorks()
    }

    /// The service closes a kept-alive connection as the next request crosses it: the request
    /// (a POST here) is sent again at once on a fresh connection, and the client never notices.
    func testStaleKeepAliveConnectionIsRetriedAtOnceOnAFreshOne() throws {
        try start()
        try assertNextRequestWorks()
        try session.fake.control("requests/clear", [:])
        try session.fake.fail(["action": "close", "count": 1, "method": "POST"])
        let started = Date()
        let thread = try session.call("threads/create", [:])
        let seconds = Date().timeIntervalSince(started)
        print("fault: dashscope stale keep-alive: \(thread.id != nil ? "ok" : "?") in \(String(format: "%.3f", seconds)) s")
        XCTAssertNotNil(thread.id)
        XCTAssertLessThan(seconds, Self.bound)
        let posts = try session.fake.requests().filter { $0["method"] == "POST" }
        XCTAssertEqual(posts.count, 2, "the request the service dropped, then its repetition")
        XCTAssertNotEqual(posts[0]["client_port"], posts[1]["client_port"], "the repetition went on a fresh connection")
    }
}
