import Foundation
import JSONCore
import TestSupport
import XCTest

/// The `openai` model's upstream faults through the binary, against the FAKE OpenAI-compatible
/// server: each ends the run `failed` with a `last_error` that says what happened, within a
/// bound set by `--model-connect-timeout`/`--model-read-timeout` (short here), and the next run
/// works. Times are printed (`fault: … s`) and bounded loosely: the machine may be loaded.
final class RunsOpenAIModelFaultTests: XCTestCase {
    /// Seconds; short so that the silent cases end fast.
    static let timeout = 1.0
    /// How far past its timeout a failure may come on a loaded machine.
    static let slack = 8.0

    var server: FakeOpenAIServer!
    var client: AssistdSession!
    var assistant = ""

    override func tearDownWithError() throws {
        if let client { XCTAssertEqual(client.finish(), 0) }
        client = nil
        server?.stop()
        server = nil
    }

    func start(modelURL: String? = nil) throws {
        server = try FakeOpenAIServer()
        client = try AssistdSession(arguments: [
            "--model-url", modelURL ?? server.modelURL,
            "--model-connect-timeout", "\(Self.timeout)", "--model-read-timeout", "\(Self.timeout)",
        ])
        assistant = try client.assistant(tools: [AssistdSession.bigAdd])
    }

    /// Runs once (not streamed) to its end; returns the run and the seconds it took.
    func timedRun(_ name: String) throws -> (run: JSONValue, seconds: Double) {
        let thread = try client.thread("Add 1 and 2")
        let started = Date()
        let created = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let run = try client.waitRun(thread, try XCTUnwrap(created.id))
        let seconds = Date().timeIntervalSince(started)
        print("fault: openai \(name): \(run.status ?? "?") in \(String(format: "%.3f", seconds)) s")
        return (run, seconds)
    }

    /// The run failed with `code` and a message holding `words`, within `bound` seconds.
    func assertFails(
        _ name: String, code: String = "server_error", saying words: String, within bound: Double = slack,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let (run, seconds) = try timedRun(name)
        XCTAssertEqual(run.status, "failed", "\(run)", file: file, line: line)
        XCTAssertEqual(run["last_error"]?["code"]?.stringValue, code, "\(run)", file: file, line: line)
        let message = run["last_error"]?["message"]?.stringValue ?? ""
        XCTAssertTrue(message.contains(words), "'\(words)' not in: \(message)", file: file, line: line)
        XCTAssertLessThan(seconds, bound, "\(name) took \(seconds) s", file: file, line: line)
    }

    /// The next run, answered well, completes.
    func assertNextRunWorks(file: StaticString = #filePath, line: UInt = #line) async throws {
        try await server.script([["stream": [["text": "fine"], ["finish": "stop"]]]])
        let (run, _) = try timedRun("next run")
        XCTAssertEqual(run.status, "completed", "\(run)", file: file, line: line)
    }

    func testConnectionRefusedFailsTheRunAtOnce() throws {
        let closed = try FakeOpenAIServer()
        let url = closed.modelURL
        closed.stop()
        try start(modelURL: url)
        try assertFails("connection refused", saying: "could not connect")
        XCTAssertNotNil(try client.call("threads/create", [:]).id, "the process goes on serving")
    }

    func testResetMidStreamFailsTheRunAndTheNextWorks() async throws {
        try start()
        try await server.script([["stream": [["text": "half an answer"], ["reset": true]]]])
        try assertFails("reset mid-stream", saying: "broke in the middle of the stream")
        try await assertNextRunWorks()
    }

    func testHeadersThenSilenceFailsAfterTheReadTimeout() async throws {
        try start()
        try await server.script([["stream": [["text": "a"], ["hold": true]]]])
        try assertFails("headers then silence", saying: "read timeout of 1 s", within: Self.timeout + Self.slack)
        try await assertNextRunWorks()
        // Streamed: the stream ends with the failure and its one `done`.
        try await server.script([["stream": [["text": "a"], ["hold": true]]]])
        let thread = try client.thread()
        let id = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let reply = try client.reply(to: id)
        assertWellFormedStream(reply, requestID: id, log: client.log)
        XCTAssertEqual(Array(reply.eventNames.suffix(2)), ["thread.run.failed", "done"])
        XCTAssertEqual(reply.result?.status, "failed")
    }

    func testSilenceBeforeTheHeadFailsAfterTheConnectTimeout() async throws {
        try start()
        try await server.script([["silent": 30]])
        try assertFails("silence before the head", saying: "connect timeout of 1 s", within: Self.timeout + Self.slack)
        try await assertNextRunWorks()
    }

    func testRateLimitStormAndServerErrorBurstFailEachRunQuickly() async throws {
        try start()
        let storm: [JSONValue] = Array(repeating: ["status": 429, "body": ["error": ["message": "Rate limit reached", "type": "rate_limit"]]], count: 5)
        let burst: [JSONValue] = Array(repeating: ["status": 500, "body": ["error": ["message": "upstream exploded"]]], count: 3)
        try await server.script(storm + burst)
        for index in 0..<5 { try assertFails("429 storm #\(index + 1)", code: "rate_limit_exceeded", saying: "Rate limit reached") }
        for index in 0..<3 { try assertFails("500 burst #\(index + 1)", saying: "upstream exploded") }
        try await assertNextRunWorks()
    }

    func testGarbageBodiesFailTheRun() async throws {
        try start()
        // "data: {"choices":[{"delta":{"content":"\xff\xfe"}}]}" with bytes that are not UTF-8.
        let invalidUTF8 = Data("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"".utf8) + Data([0xFF, 0xFE, 0xC3]) + Data("\"}}]}\n\n".utf8)
        try await server.script([
            ["garbage": "<html><body>502 Bad Gateway</body></html>", "content_type": "text/html"],
            ["stream": [["raw": "data: this is not json\n\n"]]],
            ["stream": [["raw_b64": .string(invalidUTF8.base64EncodedString())], ["finish": "stop"]]],
            ["garbage": "{\"choices\": [", "content_type": "application/json"],
        ])
        try assertFails("non-SSE body", saying: "ended the stream before the turn finished")
        try assertFails("non-JSON chunk", saying: "not JSON")
        try assertFails("invalid UTF-8 chunk", saying: "not JSON")
        try assertFails("truncated JSON answer", saying: "not JSON")
        try await assertNextRunWorks()
    }

    func testMalformedToolCallsFailTheRun() async throws {
        try start()
        try await server.script([
            ["stream": [
                ["tool_calls": [["index": 0, "id": "call_1", "type": "function", "function": ["name": "big_add", "arguments": "{\"left\": 1, oops"]]]],
                ["finish": "tool_calls"],
            ]],
            ["stream": [["delta": ["tool_calls": ["index": 0, "function": ["name": "big_add"]]]], ["finish": "tool_calls"]]],
        ])
        try assertFails("tool-call arguments not JSON", saying: "arguments that are not JSON")
        try assertFails("tool_calls not an array", saying: "its tool_calls is an object, not an array")
        try await assertNextRunWorks()
    }

    /// The server closes a kept-alive connection as the next request crosses it: that request
    /// is sent again at once on a fresh connection, and the run never notices.
    func testStaleKeepAliveConnectionIsRetriedAtOnceOnAFreshOne() async throws {
        try start()
        try await assertNextRunWorks()
        try await server.script([["close": true], ["stream": [["text": "second"], ["finish": "stop"]]]])
        let (run, seconds) = try timedRun("stale keep-alive")
        XCTAssertEqual(run.status, "completed", "\(run)")
        XCTAssertLessThan(seconds, Self.slack)
        let requests = try await server.requests()
        XCTAssertEqual(requests.count, 3, "the first run, the request the server dropped, its repetition")
        XCTAssertEqual(requests[1]["client_port"], requests[0]["client_port"], "the second request went on the kept-alive connection")
        XCTAssertNotEqual(requests[2]["client_port"], requests[1]["client_port"], "the repetition went on a fresh connection")
    }

    /// The same close on a fresh connection: the POST may have reached the model, so it is not
    /// repeated; the run fails at once and the next one works.
    func testCloseBeforeAnsweringOnAFreshConnectionFailsWithoutRepeatingThePost() async throws {
        try start()
        try await server.script([["close": true]])
        try assertFails("close on a fresh connection", saying: "closed the connection before answering")
        let requests = try await server.requests()
        XCTAssertEqual(requests.count, 1, "not repeated")
        try await assertNextRunWorks()
    }
}
