import Foundation
import XCTest

@testable import LocalEngine

/// A run's owner is pid + start time + boot id: a reused pid, a zombie, an earlier boot or a
/// pid without a process are all gone; this process and a running child are alive.
final class RunOwnerTests: XCTestCase {
    func testThisProcessIsAliveWithItsStartTimeAndBoot() throws {
        let me = RunOwner.thisProcess()
        XCTAssertEqual(me.pid, getpid())
        XCTAssertNotNil(me.startTime, "read from /proc/self/stat field 22")
        XCTAssertEqual(me.bootID?.count, 36, "a UUID from /proc/sys/kernel/random/boot_id")
        XCTAssertTrue(me.isAlive())
    }

    func testAReusedPidIsAnotherProcess() throws {
        let me = RunOwner.thisProcess()
        let startTime = try XCTUnwrap(me.startTime)
        XCTAssertFalse(RunOwner(pid: me.pid, startTime: startTime + 1, bootID: me.bootID).isAlive(), "same pid, later start")
        XCTAssertFalse(RunOwner(pid: me.pid, startTime: startTime - 1, bootID: me.bootID).isAlive(), "same pid, earlier start")
        XCTAssertFalse(RunOwner(pid: me.pid, startTime: startTime, bootID: "00000000-0000-0000-0000-000000000000").isAlive(), "an earlier boot")
    }

    func testAChildIsAliveUntilKilledAndAZombieIsGone() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        defer { if child.isRunning { child.terminate() } }
        let pid = child.processIdentifier
        let stat = try XCTUnwrap(ProcessStat.of(pid: pid))
        let owner = RunOwner(pid: pid, startTime: stat.startTime, bootID: RunOwner.currentBootID())
        XCTAssertTrue(owner.isAlive())
        XCTAssertTrue(RunOwner(pid: pid, startTime: nil, bootID: nil).isAlive(), "a pid alone (schema version 2) is taken at its word")
        kill(pid, SIGKILL)
        // Killed and not reaped yet (a zombie), or reaped: gone either way.
        let deadline = Date(timeIntervalSinceNow: 10)
        while ProcessStat.of(pid: pid).map({ $0.state != "Z" && $0.state != "X" }) ?? false, Date() < deadline { usleep(5_000) }
        XCTAssertFalse(owner.isAlive())
        child.waitUntilExit()
        XCTAssertFalse(owner.isAlive())
    }

    func testAPidAloneThatIsOursWasAnEarlierProcess() {
        XCTAssertFalse(RunOwner(pid: getpid(), startTime: nil, bootID: nil).isAlive())
        XCTAssertFalse(RunOwner(pid: 0, startTime: nil, bootID: nil).isAlive())
        XCTAssertFalse(RunOwner(pid: Int32.max, startTime: 1, bootID: nil).isAlive(), "no such pid")
    }

    func testStatIsParsedAfterTheLastParenthesis() throws {
        let fields = (4...52).map(String.init).joined(separator: " ")  // fields 4… (field 22 is "22")
        XCTAssertEqual(ProcessStat.parse("77 (a) b (c)) S \(fields)"), ProcessStat(state: "S", startTime: 22))
        XCTAssertEqual(ProcessStat.parse("77 (x y) Z \(fields)\n"), ProcessStat(state: "Z", startTime: 22))
        XCTAssertNil(ProcessStat.parse("77 (short) S 1 2 3"))
        XCTAssertNil(ProcessStat.parse("garbage"))
    }

    func testTheStoreKeepsTheWholeIdentity() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let run = Make.run(threadID: thread.id)
        try store.insertRun(run)
        let owner = RunOwner(pid: 31337, startTime: UInt64(Int64.max) + 5, bootID: "boot-a")
        try store.setRunOwner(runID: run.id, owner: owner)
        XCTAssertEqual(try store.runOwner(runID: run.id), owner)
        let next = RunOwner(pid: 31338, startTime: nil, bootID: nil)
        try store.setRunOwner(runID: run.id, owner: next)
        XCTAssertEqual(try store.runOwner(runID: run.id), next, "a claim replaces every field")
        XCTAssertNil(try store.runOwner(runID: "run_missing"))
    }

    /// A data dir written by schema version 2 (the owner a pid as text) keeps its owners' pids.
    func testVersionTwoOwnersKeepTheirPid() throws {
        let directory = temporaryDirectory()
        try Store.createPrivateDirectory(directory)
        let path = (directory as NSString).appendingPathComponent(Store.fileName)
        let db = try SQLiteConnection(path: path, flags: readWriteCreate)
        for migration in Schema.migrations where migration.version <= 2 {
            for statement in migration.statements { try db.execute(statement) }
        }
        try db.execute("PRAGMA user_version = 2")
        try db.execute(#"INSERT INTO threads (id, created_at, json) VALUES ('thread_1', 1, '{"id":"thread_1","object":"thread","created_at":1,"metadata":{}}')"#)
        try db.execute("INSERT INTO runs (id, thread_id, status, created_at, json) VALUES ('run_1', 'thread_1', 'in_progress', 1, '{}')")
        try db.execute("INSERT INTO run_owners (run_id, owner) VALUES ('run_1', '4242')")
        db.close()

        let store = try Store.open(location: .file(directory: directory))
        defer { store.close() }
        XCTAssertEqual(try store.schemaVersion(), Schema.latestVersion)
        XCTAssertEqual(try store.runOwner(runID: "run_1"), RunOwner(pid: 4242, startTime: nil, bootID: nil))
        XCTAssertEqual(try store.integrityCheck(), ["ok"])
    }
}

private let readWriteCreate: Int32 = 0x0000_0002 | 0x0000_0004
