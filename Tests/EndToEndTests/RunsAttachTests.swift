import Foundation
import JSONCore
import XCTest

/// `runs/stream` through the binary: re-attaching after a cancelled stream splices without gap or
/// repeat, a finished run replays, a second process on the same data dir follows a run the first
/// executes, and two connections follow one run at once.
final class RunsAttachTests: XCTestCase {
    static let slowScript: JSONValue = ["turns": [["text": "one two three four five six seven eight nine ten", "chunks": 10, "delay_ms": 100]]]

    func attach(_ client: AssistdSession, _ thread: String, _ run: String, after: Int64? = nil) -> JSONValue {
        var params: JSONObject = ["thread_id": .string(thread), "run_id": .string(run)]
        if let after { params["after_seq"] = .int(after) }
        return client.send("runs/stream", .object(params))
    }

    /// seq numbers after `after`, consecutive, ending with one `done` carrying null.
    func assertSpliceable(_ events: [JSONValue], after: Int64, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(events.map { $0["seq"]?.intValue ?? -1 }, Array((after + 1)..<(after + 1 + Int64(events.count))), file: file, line: line)
        XCTAssertEqual(events.last?["event"], "done", file: file, line: line)
        XCTAssertEqual(events.last?["data"], .null, file: file, line: line)
        XCTAssertEqual(events.filter { $0["event"] == "done" }.count, 1, file: file, line: line)
    }

    func text(of events: [JSONValue]) -> String {
        events.filter { $0["event"] == "thread.message.delta" }.compactMap { $0["data"]?.deltaText }.joined()
    }

    func storedText(_ client: AssistdSession, _ thread: String) throws -> String {
        let message = try XCTUnwrap(client.messages(thread).last)
        return message["content"]?.arrayValue?.first?["text"]?["value"]?.stringValue ?? ""
    }

    func testCancelledStreamResumesWithAfterSeqWithoutGapOrRepeat() throws {
        let client = try AssistdSession(script: Self.slowScript)
        let assistant = try client.assistant()
        let thread = try client.thread()
        let id = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let first = try client.waitForEvents(of: id, count: 9)
        client.cancel(id)
        XCTAssertNotNil(try client.reply(to: id).error, "the cancelled stream is answered with an error")
        let received = client.pendingEvents(of: id).filter { $0["event"] != "done" }
        XCTAssertGreaterThanOrEqual(received.count, first.count)
        let runID = try XCTUnwrap(received.first?["data"]?.id)
        let lastSeq = try XCTUnwrap(received.last?["seq"]?.intValue)

        let resumed = try client.reply(to: attach(client, thread, runID, after: lastSeq))
        XCTAssertNil(resumed.error, "\(resumed.response)")
        assertSpliceable(resumed.events, after: lastSeq)
        XCTAssertEqual(resumed.result?.status, "completed")
        let union = received + resumed.events
        XCTAssertEqual(union.map { $0["seq"]?.intValue ?? -1 }, Array(0..<Int64(union.count)), "no gap, no repeat")
        XCTAssertEqual(text(of: union), try storedText(client, thread))
        XCTAssertEqual(text(of: union), "one two three four five six seven eight nine ten")

        // Attaching from the start gives the same events as the spliced union.
        let whole = try client.reply(to: attach(client, thread, runID))
        assertSpliceable(whole.events, after: -1)
        XCTAssertEqual(whole.events.map { $0["event"] }, union.map { $0["event"] })
    }

    func testAttachToAFinishedRunReplaysThenDone() throws {
        let client = try AssistdSession(script: ["turns": [["text": "all of it", "chunks": 3]]])
        let assistant = try client.assistant()
        let thread = try client.thread()
        let original = try client.request("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let runID = try XCTUnwrap(original.result?.id)

        let replay = try client.reply(to: attach(client, thread, runID))
        assertSpliceable(replay.events, after: -1)
        XCTAssertEqual(replay.events.map { $0["event"] }, original.events.map { $0["event"] }, "the same events")
        XCTAssertEqual(replay.events.map { $0["seq"] }, original.events.map { $0["seq"] }, "with the same seq as the original stream")
        XCTAssertEqual(replay.result?.status, "completed")
        XCTAssertEqual(text(of: replay.events), "all of it")

        let tail = try client.reply(to: attach(client, thread, runID, after: Int64(original.events.count - 3)))
        assertSpliceable(tail.events, after: Int64(original.events.count - 3))
        XCTAssertEqual(tail.eventNames, ["thread.run.completed", "done"])

        let unknown = try client.callError("runs/stream", ["thread_id": .string(thread), "run_id": "run_nope"])
        XCTAssertEqual(unknown["code"], -32010)
    }

    func testASecondProcessFollowsARunTheFirstExecutes() throws {
        let dataDir = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-attach-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let executing = try AssistdSession(script: Self.slowScript, arguments: ["--data-dir", dataDir])
        let assistant = try executing.assistant()
        let thread = try executing.thread()
        let id = executing.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let early = try executing.waitForEvents(of: id, count: 4)
        let runID = try XCTUnwrap(early.first?["data"]?.id)

        let watcher = try AssistdSession(script: Self.slowScript, arguments: ["--data-dir", dataDir])
        let followed = try watcher.reply(to: attach(watcher, thread, runID))
        let original = try executing.reply(to: id)
        XCTAssertNil(followed.error, "\(followed.response)")
        assertSpliceable(followed.events, after: -1)
        XCTAssertEqual(followed.result?.status, "completed")
        XCTAssertEqual(followed.events.map { $0["event"] }, original.events.map { $0["event"] })
        XCTAssertEqual(followed.events.map { $0["seq"] }, original.events.map { $0["seq"] })
        XCTAssertEqual(text(of: followed.events), try storedText(watcher, thread))
    }

    func testTwoConnectionsFollowOneRunAtOnce() throws {
        let dataDir = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-attach-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let client = try AssistdSession(script: Self.slowScript, arguments: ["--data-dir", dataDir])
        let assistant = try client.assistant()
        let thread = try client.thread()
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let runID = try XCTUnwrap(run.id)
        let other = try AssistdSession(script: Self.slowScript, arguments: ["--data-dir", dataDir])
        let here = attach(client, thread, runID)
        let there = attach(other, thread, runID, after: 0)
        let fromHere = try client.reply(to: here)
        let fromThere = try other.reply(to: there)
        assertSpliceable(fromHere.events, after: -1)
        assertSpliceable(fromThere.events, after: 0)
        XCTAssertEqual(Array(fromHere.events.dropFirst()).map { $0["event"] }, fromThere.events.map { $0["event"] })
        XCTAssertEqual(text(of: fromHere.events), "one two three four five six seven eight nine ten")
        XCTAssertEqual(fromThere.result?.status, "completed")
    }
}
