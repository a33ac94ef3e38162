import AssistantAPI
import Foundation
import XCTest

@testable import LocalEngine

/// The store's cross-process cancel bookkeeping: requests recorded once, looked up among a set
/// of runs, gone with their run; `data_version` moves only on another connection's commit.
final class StoreCancelRequestTests: XCTestCase {
    func testRequestsAreRecordedOnceAndFoundAmongRuns() throws {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-cancelreq-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store.open(location: .file(directory: directory))
        let other = try Store.open(location: .file(directory: directory))
        defer { store.close(); other.close() }

        let thread = ThreadObject(id: "thread_1", createdAt: 1)
        try store.insertThread(thread)
        for id in ["run_a", "run_b"] {
            try store.insertRun(Run(id: id, createdAt: 1, threadID: thread.id, assistantID: "asst_1", status: .inProgress, model: "m"))
        }
        XCTAssertEqual(try store.cancelRequests(among: ["run_a", "run_b"]), Set<String>())
        XCTAssertEqual(try store.cancelRequests(among: []), Set<String>())

        let before = try store.dataVersion()
        let otherBefore = try other.dataVersion()
        try store.requestCancel(runID: "run_b", at: 10)
        XCTAssertEqual(try store.dataVersion(), before, "its own commit does not move its data_version")
        XCTAssertNotEqual(try other.dataVersion(), otherBefore, "another connection's commit moves it")
        XCTAssertEqual(try other.cancelRequests(among: ["run_a", "run_b", "run_x"]), ["run_b"])

        try store.requestCancel(runID: "run_b", at: 20)  // idempotent
        let times = try store.withConnection { db in try db.scalarInt("SELECT requested_at FROM run_cancel_requests WHERE run_id = 'run_b'") }
        XCTAssertEqual(times, 10, "the first request's time is kept")

        XCTAssertThrowsError(try store.requestCancel(runID: "run_nope", at: 1), "a request needs its run")
        try store.withConnection { db in try db.execute("DELETE FROM runs WHERE id = 'run_b'") }
        XCTAssertEqual(try other.cancelRequests(among: ["run_b"]), Set<String>(), "gone with its run")
    }
}
