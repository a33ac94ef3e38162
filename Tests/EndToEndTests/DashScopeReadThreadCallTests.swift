import Foundation
import JSONCore
import TestSupport
import XCTest

/// The hosted reads that the read thread performs itself while it waits for input
/// (`InputThreadTransfers`), through the binary against the fake service: the read thread keeps
/// reading while a call is in flight, so a cancel ends it at once; reads answer while a stream
/// waits on its own connection; and many pipelined reads all answer, in their own words.
final class DashScopeReadThreadCallTests: XCTestCase {
    var session: DashScopeSession!

    override func tearDownWithError() throws {
        if let session {
            XCTAssertEqual(session.finish(), 0)
            XCTAssertEqual(session.process.outputProblems, [])
        }
        session = nil
    }

    func start() throws {
        session = try DashScopeSession()
        XCTAssertNotNil(try session.initialize()["result"])
    }

    /// Sends `threads/retrieve` of `thread` and returns its id once the service has it; the
    /// service holds its answer for 10 s.
    func sendAReadTheServiceHolds(_ thread: String) throws -> JSONValue {
        try session.fake.control("requests/clear", [:])
        try session.fake.fail(["delay_ms": 10_000, "count": 1, "method": "GET"])
        let id = session.send("threads/retrieve", ["thread_id": .string(thread)])
        while try session.fake.requests().isEmpty { usleep(10_000) }
        return id
    }

    func testCancelOfAReadTheServiceHoldsEndsItAtOnce() throws {
        try start()
        let (_, thread) = try session.assistantAndThread(saying: "hello")
        let id = try sendAReadTheServiceHolds(thread)
        let started = Date()
        session.cancel(id)
        XCTAssertEqual(try session.response(to: id)["error"]?["code"], -32800)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertLessThan(seconds, 5, "the cancel waited for the held call (\(seconds) s)")
        // The next read works, on a fresh connection or a kept one.
        XCTAssertEqual(try session.call("threads/retrieve", ["thread_id": .string(thread)]).text("id"), thread)
    }

    func testReadsAnswerWhileAStreamWaitsForTheService() throws {
        try start()
        try session.fake.knobs(["stall_after_events": 3, "stall_ms": 6_000])
        let (assistant, thread) = try session.assistantAndThread(saying: "Say hello")
        let run = session.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        _ = try session.waitForEvents(of: run, count: 3)
        let started = Date()
        for _ in 0..<5 {
            XCTAssertEqual(try session.call("threads/retrieve", ["thread_id": .string(thread)]).text("id"), thread)
        }
        let seconds = Date().timeIntervalSince(started)
        XCTAssertLessThan(seconds, 4.5, "reads waited behind the stalled stream (\(seconds) s)")
        XCTAssertEqual(try session.response(to: run)["result"]?["status"], "completed")
        let events = session.events[run] ?? []
        XCTAssertEqual(events.map { $0["seq"]?.intValue ?? -1 }, Array(0..<Int64(events.count)), "seq")
        XCTAssertEqual(events.last?["event"], "done")
    }

    func testManyPipelinedReadsAllAnswerAndCancelsAmongThemEndOnlyTheirs() throws {
        try start()
        var threads: [String] = []
        for index in 0..<4 {
            threads.append(try session.call("threads/create", ["metadata": ["n": .string("\(index)")]]).text("id"))
        }
        // One read held by the service (once it has it), cancelled while the others go on.
        let held = try sendAReadTheServiceHolds(threads[0])
        let started = Date()
        var sent: [(id: JSONValue, thread: String)] = []
        for index in 0..<200 {
            let thread = threads[index % threads.count]
            sent.append((session.send("threads/retrieve", ["thread_id": .string(thread)]), thread))
        }
        session.cancel(held)
        for (id, thread) in sent {
            let reply = try session.response(to: id)
            XCTAssertEqual(reply["result"]?["id"]?.stringValue, thread, "\(reply)")
        }
        XCTAssertEqual(try session.response(to: held)["error"]?["code"], -32800)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertLessThan(seconds, 5, "the reads or the cancel waited for the held call (\(seconds) s)")
    }

    func testExitWhileAReadWaitsForTheServiceAnswersItCancelledAndEndsWithinTheSecond() throws {
        try start()
        let (_, thread) = try session.assistantAndThread(saying: "hello")
        let id = try sendAReadTheServiceHolds(thread)
        let started = Date()
        session.process.send(["jsonrpc": "2.0", "method": "exit"])
        XCTAssertEqual(try session.response(to: id)["error"]?["code"], -32800)
        session.process.closeStdin()
        XCTAssertNotNil(session.process.waitForExit(within: 5))
        let seconds = Date().timeIntervalSince(started)
        XCTAssertLessThan(seconds, 1.5, "exit waited for the held call (\(seconds) s)")
        XCTAssertEqual(session.process.outputProblems, [])
        session = nil
    }
}
