import AssistantAPI
import JSONCore
@testable import LocalEngine
import XCTest

/// The run event log's numbering and bounds (per-run cap, retention sweep, thread deletion).
final class RunEventLogTests: XCTestCase {
    func event(_ n: Int) -> StreamEvent { StreamEvent(event: "thread.message.delta", data: ["n": .int(Int64(n))]) }

    func testEventsAreNumberedPerRunFromZeroAndReadAfterAnIndex() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let first = Make.run(threadID: thread.id)
        try store.insertRun(first)
        let second = Make.run(threadID: thread.id, status: .completed)
        try store.insertRun(second)
        for n in 0..<3 {
            XCTAssertEqual(try store.appendRunEvent(runID: first.id, event(n)), Int64(n))
        }
        XCTAssertEqual(try store.appendRunEvent(runID: second.id, event(9)), 0, "each run counts from 0")
        XCTAssertEqual(try store.runEvents(runID: first.id, after: nil).map(\.index), [0, 1, 2])
        XCTAssertEqual(try store.runEvents(runID: first.id, after: 0).map(\.event), [event(1), event(2)])
        XCTAssertEqual(try store.lastRunEvent(runID: first.id)?.index, 2)
        XCTAssertEqual(try store.runEvents(runID: first.id, after: 2), [])
        XCTAssertThrowsError(try store.appendRunEvent(runID: "run_missing", event(0)), "events belong to a stored run")
    }

    func testEventsLoggedTogetherAreNumberedInOrderAcrossInsertsAndStopAtTheCap() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let run = Make.run(threadID: thread.id)
        try store.insertRun(run)
        func rows(_ range: Range<Int>) -> [SerializedRunEvent] {
            range.map { SerializedRunEvent(event: "thread.message.delta", data: event($0).data.serialized()) }
        }
        XCTAssertEqual(try store.appendRunEvent(runID: run.id, event(0)), 0)
        let many = Store.runEventRowsPerInsert * 2 + 3  // more than one insert's rows
        XCTAssertEqual(try store.appendRunEvents(runID: run.id, rows(1..<(1 + many))), 1, "the first index of the batch")
        XCTAssertEqual(try store.appendRunEvents(runID: run.id, rows((1 + many)..<(3 + many))), Int64(1 + many))
        XCTAssertEqual(try store.runEvents(runID: run.id, after: nil, limit: 1000), (0..<(3 + many)).map { LoggedRunEvent(index: Int64($0), event: event($0)) })
        XCTAssertEqual(try store.appendRunEvents(runID: run.id, rows(0..<5), cap: Int64(5 + many)), Int64(3 + many), "logged up to the cap")
        XCTAssertEqual(try store.lastRunEvent(runID: run.id)?.index, Int64(4 + many))
        XCTAssertNil(try store.appendRunEvents(runID: run.id, rows(0..<2), cap: Int64(5 + many)), "past the cap nothing is logged")
    }

    func testTheCapStopsLoggingAndTheSweepDropsOnlyOldTerminalRuns() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let capped = Make.run(threadID: thread.id)
        try store.insertRun(capped)
        for n in 0..<3 { _ = try store.appendRunEvent(runID: capped.id, event(n), cap: 3) }
        XCTAssertNil(try store.appendRunEvent(runID: capped.id, event(3), cap: 3), "past the cap nothing is logged")
        XCTAssertEqual(try store.runEvents(runID: capped.id, after: nil).count, 3)

        let now: Int64 = 1_000_000
        let old = now - Store.runEventRetentionSeconds - 1
        let oldDone = Make.run(threadID: thread.id, status: .completed)
        let recentDone = Make.run(threadID: thread.id, status: .completed)
        let oldActive = Make.run(threadID: thread.id, status: .inProgress)
        for run in [oldDone, recentDone, oldActive] { try store.insertRun(run) }
        _ = try store.appendRunEvent(runID: oldDone.id, event(0), now: old)
        _ = try store.appendRunEvent(runID: recentDone.id, event(0), now: old)
        _ = try store.appendRunEvent(runID: recentDone.id, event(1), now: now)
        _ = try store.appendRunEvent(runID: oldActive.id, event(0), now: old)
        XCTAssertEqual(try store.sweepRunEvents(now: now), 1)
        XCTAssertEqual(try store.runEvents(runID: oldDone.id, after: nil), [], "a terminal run past retention loses its events")
        XCTAssertEqual(try store.runEvents(runID: recentDone.id, after: nil).count, 2, "retention counts from the last event")
        XCTAssertEqual(try store.runEvents(runID: oldActive.id, after: nil).count, 1, "a run still going keeps them")

        _ = try store.deleteThread(id: thread.id)
        XCTAssertEqual(try store.runEvents(runID: recentDone.id, after: nil), [], "deleting the thread deletes its runs' events")
    }

    func testAnIndexRolledBackIsUsedAgainAndEventsAnotherProcessLoggedAreNotRepeated() throws {
        let directory = temporaryDirectory()
        let store = try Store.open(location: .file(directory: directory))
        let thread = try Make.thread(store)
        let run = Make.run(threadID: thread.id)
        try store.insertRun(run)
        XCTAssertEqual(try store.appendRunEvent(runID: run.id, event(0)), 0)
        struct Abandoned: Error {}
        XCTAssertThrowsError(try store.transaction {
            XCTAssertEqual(try store.appendRunEvent(runID: run.id, event(1)), 1)
            throw Abandoned()
        })
        XCTAssertEqual(try store.appendRunEvent(runID: run.id, event(1)), 1, "the rolled-back index is free again: no gap")

        // Another process (a second connection) takes the run over and logs two events.
        let other = try Store.open(location: .file(directory: directory))
        XCTAssertEqual(try other.appendRunEvent(runID: run.id, event(2)), 2)
        XCTAssertEqual(try other.appendRunEvent(runID: run.id, event(3)), 3)
        XCTAssertEqual(try store.appendRunEvent(runID: run.id, event(4)), 4, "the first store goes on after them")
        XCTAssertEqual(try other.runEvents(runID: run.id, after: nil).map(\.event), (0...4).map(event))
        other.close()
        store.close()
    }
}
