import Foundation
import JSONCore
import XCTest

/// What a run streamed is stored as it streams: a `kill -9`, an end of input or a second
/// process reading mid-run all find the assistant message holding the deltas sent so far.
final class RunsStreamedTextKeptTests: XCTestCase {
    static let reply = "one two three four five six seven eight nine ten eleven twelve"

    func dataDirectory() -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-kept-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    static func slowReply(chunks: Int, delayMs: Int) -> JSONValue {
        ["turns": [["text": .string(reply), "chunks": .int(Int64(chunks)), "delay_ms": .int(Int64(delayMs))]]]
    }

    /// The concatenated texts of the `thread.message.delta` events received for `request`.
    static func receivedText(_ events: [JSONValue]) -> (text: String, count: Int) {
        let deltas = events.filter { $0["event"] == "thread.message.delta" }.compactMap { $0["data"]?.deltaText }
        return (deltas.joined(), deltas.filter { !$0.isEmpty }.count)
    }

    func testEveryDeltaReceivedSurvivesKillNine() throws {
        let directory = dataDirectory()
        var checked = 0
        var missing = 0
        for round in 0..<4 {
            var thread = ""
            var received = ""
            do {
                let first = try AssistdSession(script: Self.slowReply(chunks: 12, delayMs: 15), arguments: ["--data-dir", directory])
                let assistant = try first.assistant()
                thread = try first.thread()
                let id = first.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
                // Kill at a different point of the stream each round.
                try first.pump(until: { Self.receivedText(first.pendingEvents(of: id)).count >= 2 + round * 3 })
                first.process.killHard()
                let (text, count) = Self.receivedText(first.pendingEvents(of: id))
                received = text
                checked += count
            }
            let second = try AssistdSession(script: ["turns": [["text": "x"]]], arguments: ["--data-dir", directory])
            let stored = try XCTUnwrap(second.messages(thread).last?.messageText, "round \(round): no stored text")
            if !stored.hasPrefix(received) { missing += 1 }
            XCTAssertTrue(stored.hasPrefix(received), "round \(round): stored \(stored.debugDescription), received \(received.debugDescription)")
            XCTAssertTrue(Self.reply.hasPrefix(stored), "round \(round): \(stored.debugDescription)")
        }
        XCTAssertGreaterThanOrEqual(checked, 2 + 5 + 8 + 11)
        XCTAssertEqual(missing, 0)
        print("kill -9 mid-stream: \(checked) received deltas checked over 4 rounds; rounds missing a delta: \(missing)")
    }

    func testEndOfInputCancelsTheRunAndKeepsTheStreamedText() throws {
        let directory = dataDirectory()
        var thread = ""
        var runID = ""
        var received = ""
        var sawCancelled = false
        do {
            let first = try AssistdSession(script: Self.slowReply(chunks: 12, delayMs: 300), arguments: ["--data-dir", directory])
            let assistant = try first.assistant()
            thread = try first.thread()
            let id = first.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
            try first.pump(until: { Self.receivedText(first.pendingEvents(of: id)).count >= 3 })
            runID = try XCTUnwrap(first.pendingEvents(of: id).first?["data"]?.id)
            let closed = Date()
            first.process.closeStdin()
            let reply = try? first.reply(to: id, within: 3)
            XCTAssertNotNil(first.process.waitForExit(within: 5), "assistd did not exit after EOF")
            XCTAssertLessThan(Date().timeIntervalSince(closed), 3, "EOF exit took too long")
            let events = reply?.events ?? first.pendingEvents(of: id)
            received = Self.receivedText(events).text
            sawCancelled = events.contains { $0["event"] == "thread.run.cancelled" }
        }
        let second = try AssistdSession(script: ["turns": [["text": "x"]]], arguments: ["--data-dir", directory])
        let run = try second.retrieveRun(thread, runID)
        XCTAssertEqual(run.status, "cancelled")
        XCTAssertNotNil(run["cancelled_at"]?.intValue)
        XCTAssertEqual(run["last_error"], .null)
        let message = try XCTUnwrap(second.messages(thread).last)
        XCTAssertEqual(message.status, "incomplete")
        XCTAssertEqual(message["incomplete_details"]?["reason"], "run_cancelled")
        let stored = try XCTUnwrap(message.messageText)
        if sawCancelled {
            // Every event up to the run's end arrived: the stored text is exactly what streamed.
            XCTAssertEqual(stored, received)
        } else {
            XCTAssertTrue(stored.hasPrefix(received), "stored \(stored.debugDescription), received \(received.debugDescription)")
        }
        XCTAssertFalse(stored.isEmpty)
        XCTAssertEqual(try second.steps(thread, runID).map(\.status), ["cancelled"])
    }

    func testASecondProcessReadsTheTextStreamedSoFar() throws {
        let directory = dataDirectory()
        let first = try AssistdSession(script: Self.slowReply(chunks: 12, delayMs: 250), arguments: ["--data-dir", directory])
        let second = try AssistdSession(script: ["turns": [["text": "x"]]], arguments: ["--data-dir", directory])
        let assistant = try first.assistant()
        let thread = try first.thread()
        let id = first.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        var lastSeen = ""
        for wanted in [2, 5, 8] {
            try first.pump(until: { Self.receivedText(first.pendingEvents(of: id)).count >= wanted })
            let received = Self.receivedText(first.pendingEvents(of: id)).text
            let message = try XCTUnwrap(second.messages(thread).last)
            XCTAssertEqual(message.status, "in_progress")
            let stored = try XCTUnwrap(message.messageText)
            // Sent so far: at least what this client received, never more than the model gave.
            XCTAssertTrue(stored.hasPrefix(received), "stored \(stored.debugDescription), received \(received.debugDescription)")
            XCTAssertTrue(Self.reply.hasPrefix(stored), stored)
            XCTAssertTrue(stored.hasPrefix(lastSeen))
            lastSeen = stored
        }
        let done = try first.reply(to: id)
        XCTAssertEqual(done.result?.status, "completed")
        XCTAssertEqual(try second.messages(thread).last?.messageText, Self.reply)
    }
}
