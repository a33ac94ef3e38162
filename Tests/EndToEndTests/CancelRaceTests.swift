import Foundation
import JSONCore
import XCTest

/// `$/cancelRequest` racing every kind of response, through the binary: each request is
/// answered (its result, its error, or -32800), and the connection goes on.
/// `ASSISTD_CANCEL_RACE_SECONDS=600 swift test --filter CancelRaceTests` runs the long version
/// (each loop for that long, with no cap on attempts).
final class CancelRaceTests: XCTestCase {
    /// How long each race loop runs (CI: a few seconds; the long run is documented above).
    static let secondsPerLoop: TimeInterval = {
        ProcessInfo.processInfo.environment["ASSISTD_CANCEL_RACE_SECONDS"].flatMap(TimeInterval.init) ?? 8
    }()

    /// A loop's time in CI, or the long run's.
    static func seconds(_ inCI: TimeInterval) -> TimeInterval {
        ProcessInfo.processInfo.environment["ASSISTD_CANCEL_RACE_SECONDS"] == nil ? inCI : secondsPerLoop
    }

    /// CI caps the attempts too; the long run only by time.
    static func cap(_ attempts: Int) -> Int {
        ProcessInfo.processInfo.environment["ASSISTD_CANCEL_RACE_SECONDS"] == nil ? attempts : Int.max
    }

    static let sixtyFourChunks: JSONValue = ["turns": [["text": .string(String(repeating: "streamed ", count: 64)), "chunks": 64]]]

    /// Sends `make()`'s request, cancels it after a random 0–2 ms, and checks its answer with
    /// `check`, until the time or the attempts run out. Returns the attempts made.
    @discardableResult
    func race(
        _ session: AssistdSession, attempts: Int, seconds: TimeInterval = secondsPerLoop,
        _ make: () throws -> JSONValue, check: (JSONValue) -> Bool
    ) throws -> Int {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var made = 0
        var answers: [String: Int] = [:]
        while made < Self.cap(attempts) && Date() < deadline {
            let id = try make()
            usleep(UInt32.random(in: 0...2000))
            session.cancel(id)
            let response = try session.response(to: id, within: 20)
            XCTAssertTrue(check(response), "attempt \(made): unexpected answer \(response.serializedString())")
            answers[response["error"]?["code"].map { $0.serializedString() } ?? "result", default: 0] += 1
            made += 1
        }
        print("cancel race: \(made) attempts, answers \(answers)")
        return made
    }

    static func answeredOrCancelled(_ response: JSONValue) -> Bool {
        response["result"] != nil || response["error"]?["code"] == -32800
    }

    func testCancelRacingAStreamedRunAlwaysGetsAnAnswer() throws {
        let session = try AssistdSession(script: Self.sixtyFourChunks)
        let assistant = try session.assistant()
        let made = try race(session, attempts: 5000, {
            session.send("runs/createThreadAndRun", [
                "assistant_id": .string(assistant), "stream": true,
                "thread": ["messages": [["role": "user", "content": "race"]]],
            ])
        }, check: Self.answeredOrCancelled)
        XCTAssertGreaterThan(made, 100)
        // Still serving, and still reading: a plain request is answered, and EOF ends it.
        XCTAssertNotNil(try session.call("threads/create", [:])["id"])
        let closed = Date()
        session.process.closeStdin()
        XCTAssertNotNil(session.process.waitForExit(within: 5), "assistd did not exit after EOF")
        XCTAssertLessThan(Date().timeIntervalSince(closed), 1.5)
    }

    func testCancelRacingPlainResultsAndErrors() throws {
        let session = try AssistdSession(script: Self.sixtyFourChunks)
        try race(session, attempts: 1000, seconds: Self.seconds(3), { session.send("threads/create", [:]) }, check: Self.answeredOrCancelled)
        try race(session, attempts: 1000, seconds: Self.seconds(3), { session.send("threads/retrieve", ["thread_id": "thread_missing"]) }) {
            [-32010, -32800].contains($0["error"]?["code"]?.intValue ?? 0)
        }
        XCTAssertNotNil(try session.call("threads/create", [:])["id"])
    }

    func testCancelRacingAPendingToolCall() throws {
        let script: JSONValue = [
            "turns": [["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]]]]],
            "rules": [["when_last_is_tool": true, "turn": ["text": "done"]]],
        ]
        let session = try AssistdSession(script: script)
        session.toolHandler = { _ in .hold }
        let assistant = try session.assistant(tools: [AssistdSession.bigAdd])
        try race(session, attempts: 300, seconds: Self.seconds(4), {
            session.send("runs/createThreadAndRun", [
                "assistant_id": .string(assistant), "stream": true, "handle_tools": true,
                "thread": ["messages": [["role": "user", "content": "add"]]],
            ])
        }, check: Self.answeredOrCancelled)
        XCTAssertNotNil(try session.call("threads/create", [:])["id"])
    }
}
