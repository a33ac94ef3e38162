import Foundation
import JSONCore
import TestSupport
import XCTest

/// The service's failures as the client sees them through the binary: the application code
/// and `data {status_code, code, message, request_id}`; retries where they are safe; a
/// stream's events before it broke, then its error.
final class DashScopeErrorTests: XCTestCase {
    var session: DashScopeSession!

    override func tearDownWithError() throws {
        if let session {
            XCTAssertEqual(session.finish(), 0)
            XCTAssertEqual(session.process.outputProblems, [])
        }
        session = nil
    }

    func start(key: String = FakeDashScopeServer.apiKey, options: JSONValue? = nil) throws {
        session = try DashScopeSession(environment: ["DASHSCOPE_API_KEY": key])
        XCTAssertNotNil(try session.initialize(options: options)["result"])
    }

    /// Checks the error's code and that its data carries the four service fields.
    func checkError(_ error: JSONValue, code: Int64, status: Int64?, serviceCode: String?, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(error["code"]?.intValue, code, "\(error)", file: file, line: line)
        let data = error["data"] ?? .null
        for key in ["status_code", "code", "message", "request_id"] {
            XCTAssertNotNil(data[key], "data.\(key) missing in \(error)", file: file, line: line)
        }
        XCTAssertEqual(data["status_code"]?.intValue, status, "\(error)", file: file, line: line)
        XCTAssertEqual(data["code"]?.stringValue, serviceCode, "\(error)", file: file, line: line)
        XCTAssertFalse(error.text("message").isEmpty, file: file, line: line)
    }

    func getLines(_ path: String) throws -> Int {
        try session.fake.requestLines().filter { $0 == "GET /api/v1/\(path)" }.count
    }

    func thread() throws -> String {
        try session.call("threads/create", [:]).text("id")
    }

    func testWrongKeyIsUnauthenticated() throws {
        try start(key: "sk-wrong-0123456789abcdef")
        let error = try session.callError("threads/create", [:])
        checkError(error, code: -32011, status: 401, serviceCode: "InvalidApiKey")
        XCTAssertEqual(error["data"]?["message"], "Invalid API-key provided.")
        XCTAssertFalse(error["data"]?.text("request_id").isEmpty ?? true, "the service's request_id")
    }

    func testUnknownObjectIsNotFound() throws {
        try start()
        let error = try session.callError("threads/retrieve", ["thread_id": "thread_missing"])
        checkError(error, code: -32010, status: 404, serviceCode: "NotFound")
        XCTAssertEqual(error["data"]?["message"], "thread thread_missing not found")
        XCTAssertEqual(error["data"]?["id"], "thread_missing", "data.id names the missing object, as with the local backend")
        XCTAssertEqual(try getLines("threads/thread_missing"), 1, "a 404 is not retried")

        let thread = try thread()
        let message = try session.callError("messages/retrieve", ["thread_id": .string(thread), "message_id": "message_missing"])
        checkError(message, code: -32010, status: 404, serviceCode: "NotFound")
        XCTAssertEqual(message["data"]?["id"], "message_missing")
        let assistant = try session.callError("runs/createThreadAndRun", ["assistant_id": "asst_missing"])
        checkError(assistant, code: -32010, status: 404, serviceCode: "NotFound")
        XCTAssertEqual(assistant["data"]?["id"], "asst_missing", "named in the body, found in the service's message")
        let streamed = try session.callError("runs/create", ["thread_id": .string(thread), "assistant_id": "asst_gone", "stream": true])
        XCTAssertEqual(streamed["data"]?["id"], "asst_gone")
    }

    func testRateLimitWithRetryAfterIsRetriedThenSucceeds() throws {
        try start()
        let id = try thread()
        try session.fake.fail(["status": 429, "code": "Throttling.RateQuota", "retry_after": 0, "count": 2, "method": "GET"])
        XCTAssertEqual(try session.call("threads/retrieve", ["thread_id": .string(id)])["id"]?.stringValue, id)
        XCTAssertEqual(try getLines("threads/\(id)"), 3, "two 429s, then the answer")
    }

    func testRateLimitThatPersistsIsRateLimited() throws {
        try start()
        let id = try thread()
        try session.fake.fail(["status": 429, "code": "Throttling.RateQuota", "message": "Requests rate limit exceeded", "retry_after": 0, "count": 10])
        let error = try session.callError("threads/retrieve", ["thread_id": .string(id)])
        checkError(error, code: -32012, status: 429, serviceCode: "Throttling.RateQuota")
        XCTAssertEqual(error["data"]?["retry_after"], "0")
        XCTAssertEqual(try getLines("threads/\(id)"), 4, "the first try and three retries")

        // A Retry-After longer than assistd waits is handed to the client at once.
        try session.fake.reset()
        let other = try thread()
        try session.fake.fail(["status": 429, "code": "Throttling.RateQuota", "retry_after": 3600, "count": 10])
        let long = try session.callError("threads/retrieve", ["thread_id": .string(other)])
        checkError(long, code: -32012, status: 429, serviceCode: "Throttling.RateQuota")
        XCTAssertEqual(long["data"]?["retry_after"], "3600")
        XCTAssertEqual(try getLines("threads/\(other)"), 1)
    }

    func testServerErrorIsRetriedForReadsOnly() throws {
        try start()
        let id = try thread()
        try session.fake.fail(["status": 500, "code": "InternalError", "count": 1, "method": "GET"])
        XCTAssertEqual(try session.call("threads/retrieve", ["thread_id": .string(id)])["id"]?.stringValue, id)
        XCTAssertEqual(try getLines("threads/\(id)"), 2, "a 500, then the answer")

        // A write that reached the server is never repeated: it may have taken effect.
        try session.fake.control("requests/clear", [:])
        try session.fake.fail(["status": 500, "code": "InternalError", "message": "the service failed", "count": 1, "method": "POST"])
        let error = try session.callError("threads/create", [:])
        checkError(error, code: -32013, status: 500, serviceCode: "InternalError")
        XCTAssertEqual(error["data"]?["message"], "the service failed")
        XCTAssertEqual(try session.fake.requestLines(), ["POST /api/v1/threads"])
    }

    /// Streams a plain run with the fake's `knobs`; returns the events received and the error.
    func brokenStream(_ knobs: JSONValue) throws -> (events: [JSONValue], error: JSONValue) {
        let (assistant, thread) = try session.assistantAndThread(saying: "Say hello")
        try session.fake.knobs(knobs)
        let id = session.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let reply = try session.response(to: id)
        let error = try XCTUnwrap(reply["error"], "the stream should have failed: \(reply)")
        let events = session.events[id] ?? []
        XCTAssertEqual(events.map { $0["seq"]?.intValue ?? -1 }, Array(0..<Int64(events.count)))
        return (events, error)
    }

    func testConnectionResetMidStreamFailsAfterTheEventsAlreadyReceived() throws {
        try start()
        let (events, error) = try brokenStream(["reset_after_events": 5])
        XCTAssertEqual(events.compactMap { $0["event"]?.stringValue }, Array(DashScopeStreamingTests.plainRunEvents.prefix(5)))
        checkError(error, code: -32013, status: nil, serviceCode: error["data"]?["code"]?.stringValue)
        XCTAssertTrue(["ConnectionLost", "NetworkError"].contains(error["data"]?.text("code") ?? ""), "\(error)")
        XCTAssertTrue(error.text("message").contains("after 5 events"), error.text("message"))
        // The process goes on serving.
        XCTAssertEqual(try session.call("assistants/list", [:])["object"], "list")
    }

    func testMalformedEventFailsTheStream() throws {
        try start()
        let (events, error) = try brokenStream(["malformed_after_events": 4])
        XCTAssertEqual(events.count, 4)
        checkError(error, code: -32013, status: nil, serviceCode: "MalformedEvent")
        XCTAssertTrue(error.text("message").contains("is not JSON"), error.text("message"))
    }

    func testStreamWithoutItsDoneEventFails() throws {
        try start()
        let (events, error) = try brokenStream(["sse_style": "no_done"])
        XCTAssertEqual(events.last?["event"], "thread.run.completed")
        checkError(error, code: -32013, status: nil, serviceCode: "IncompleteStream")
    }

    func testErrorEventMidStreamCarriesTheServiceFields() throws {
        try start()
        let (events, error) = try brokenStream(["error_after_events": 6])
        XCTAssertEqual(events.count, 6)
        checkError(error, code: -32013, status: nil, serviceCode: "InternalError.Algo")
        XCTAssertEqual(error["data"]?["message"]?.stringValue?.hasSuffix("the model failed mid-stream"), true, "\(error)")
        XCTAssertFalse(error["data"]?.text("request_id").isEmpty ?? true)
    }

    func testSlowServerWithinTheTimeoutSucceedsBeyondItTimesOut() throws {
        try start(options: ["dashscope": ["connect_timeout_ms": 1000, "max_retries": 0]])
        try session.fake.fail(["delay_ms": 50, "count": 1, "method": "POST"])
        XCTAssertNotNil(try session.call("threads/create", [:])["id"], "slow but in time")

        try session.fake.fail(["delay_ms": 4000, "count": 1, "method": "POST"])
        let error = try session.callError("threads/create", [:])
        checkError(error, code: -32013, status: nil, serviceCode: "Timeout")
        XCTAssertTrue(error.text("message").contains("timed out"), error.text("message"))
    }
}
