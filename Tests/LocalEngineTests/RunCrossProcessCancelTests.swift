import AssistantAPI
import Foundation
import XCTest

@testable import LocalEngine

/// runs/cancel of a run another process executes: a live owner gets a request (no status is
/// written by the asking process); an owner that died with a request pending ends `cancelled`.
final class RunCrossProcessCancelTests: XCTestCase {
    /// A streaming run (open step, message in progress) owned by `owner`.
    func streamingRun(_ store: Store, owner: RunOwner) throws -> Run {
        let thread = try Make.thread(store)
        var run = Make.run(threadID: thread.id, status: .inProgress)
        run.expiresAt = Timestamp.now() + 600_000
        try store.insertRun(run)
        try store.setRunOwner(runID: run.id, owner: owner)
        var message = Make.message(threadID: thread.id, "half a rep", runID: run.id, role: "assistant")
        message.status = .inProgress
        try store.insertMessage(message)
        try store.insertStep(Make.step(run, details: .messageCreation(messageID: message.id)))
        return run
    }

    func executor(_ store: Store) throws -> RunExecutor {
        RunExecutor(
            repository: StoreRunRepository(store: store), model: try ScriptedChatModel(json: ["turns": [["text": "fresh"]]]),
            configuration: .init(sweepSeconds: 0))
    }

    func testALiveOwnersRunGetsARequestAndKeepsItsStatus() throws {
        let store = try openMemoryStore()
        let run = try streamingRun(store, owner: try liveSleeper())
        let answer = try executor(store).cancel(threadID: run.threadID, runID: run.id)
        XCTAssertEqual(answer.status, RunStatus.cancelling, "answered as the owner will make it")
        XCTAssertEqual(try store.run(id: run.id)?.status, .inProgress, "only the owner writes its status")
        XCTAssertEqual(try store.cancelRequests(among: [run.id]), Set([run.id]))
    }

    func testAnOwnerThatDiedWithARequestPendingEndsCancelled() throws {
        let store = try openMemoryStore()
        let run = try streamingRun(store, owner: RunRecoveryTests.reusedPid())
        try store.requestCancel(runID: run.id, at: Timestamp.now())
        try executor(store).recover()
        XCTAssertEqual(try store.run(id: run.id)?.status, .cancelled)
        XCTAssertEqual(try store.steps(runID: run.id).map(\.status), [.cancelled])
    }

    func liveSleeper() throws -> RunOwner {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["60"]
        try child.run()
        addTeardownBlock { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        let stat = try XCTUnwrap(ProcessStat.of(pid: child.processIdentifier))
        return RunOwner(pid: child.processIdentifier, startTime: stat.startTime, bootID: RunOwner.currentBootID())
    }
}
