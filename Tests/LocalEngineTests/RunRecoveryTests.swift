import AssistantAPI
import AssistdSupport
import Foundation
import XCTest

@testable import LocalEngine

/// Runs left by a process that is gone are ended by whichever process notices: at start, on a
/// thread-lock conflict (runs and messages), while waiting on one, and by the sweep; exactly
/// once when several notice together. Runs of live processes are left alone.
final class RunRecoveryTests: XCTestCase {
    /// A process that is gone: this process's pid with another start time (a reused pid).
    static func reusedPid() -> RunOwner {
        let me = RunOwner.thisProcess()
        return RunOwner(pid: me.pid, startTime: (me.startTime ?? 0) + 1, bootID: me.bootID)
    }

    /// A live process that is not this one.
    func liveChild() throws -> RunOwner {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["60"]
        try child.run()
        // SIGKILL: a child spawned from a concurrency thread may inherit a mask that blocks SIGTERM.
        addTeardownBlock { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        let stat = try XCTUnwrap(ProcessStat.of(pid: child.processIdentifier))
        return RunOwner(pid: child.processIdentifier, startTime: stat.startTime, bootID: RunOwner.currentBootID())
    }

    /// A thread whose run streams its reply (open step, message in progress), owned by `owner`.
    @discardableResult
    func orphan(_ store: Store, status: RunStatus = .inProgress, owner: RunOwner) throws -> Run {
        let thread = try Make.thread(store)
        var run = Make.run(threadID: thread.id, status: status)
        run.expiresAt = Timestamp.now() + 600_000
        try store.insertRun(run)
        try store.setRunOwner(runID: run.id, owner: owner)
        var message = Make.message(threadID: thread.id, "half a rep", runID: run.id, role: "assistant")
        message.status = .inProgress
        try store.insertMessage(message)
        try store.insertStep(Make.step(run, details: .messageCreation(messageID: message.id)))
        return run
    }

    func executor(_ store: Store, sweepSeconds: Double = 0) throws -> RunExecutor {
        RunExecutor(
            repository: StoreRunRepository(store: store), model: try ScriptedChatModel(json: ["turns": [["text": "fresh"]]]),
            configuration: .init(sweepSeconds: sweepSeconds))
    }

    func assertRecovered(_ store: Store, _ run: Run, file: StaticString = #filePath, line: UInt = #line) throws {
        let ended = try XCTUnwrap(store.run(id: run.id), file: file, line: line)
        XCTAssertEqual(ended.status, .failed, file: file, line: line)
        XCTAssertEqual(ended.lastError?.code, "server_error", file: file, line: line)
        XCTAssertEqual(try store.steps(runID: run.id).map(\.status), [.failed], file: file, line: line)
        let reply = try store.messages(threadID: run.threadID).first { $0.runID == run.id }
        XCTAssertEqual(reply?.status, .incomplete, file: file, line: line)
    }

    func testStartEndsRunsOfAReusedPidAndLeavesLiveOnes() throws {
        let store = try openMemoryStore()
        let dead = try orphan(store, owner: Self.reusedPid())
        let cancelling = try orphan(store, status: .cancelling, owner: Self.reusedPid())
        let live = try orphan(store, owner: try liveChild())
        try executor(store).recover()
        try assertRecovered(store, dead)
        XCTAssertEqual(try store.run(id: cancelling.id)?.status, .cancelled)
        XCTAssertEqual(try store.run(id: live.id)?.status, .inProgress)
    }

    func testALockConflictWithAnOrphanFreesTheThread() async throws {
        let store = try openMemoryStore()
        let assistant = Make.assistant()
        try store.insertAssistant(assistant)
        let executor = try executor(store)
        executor.recover()
        // Orphaned after this process started: only the conflict finds them.
        let forRun = try orphan(store, owner: Self.reusedPid())
        let forMessage = try orphan(store, owner: Self.reusedPid())
        let held = try orphan(store, owner: try liveChild())

        let params = try CreateRunParams(["thread_id": .string(forRun.threadID), "assistant_id": .string(assistant.id)])
        let started = try executor.start(threadID: forRun.threadID, newThread: nil, options: params.options, listen: false).run
        try assertRecovered(store, forRun)
        let finished = try await executor.wait(threadID: forRun.threadID, runID: started.id, timeoutMs: 10_000)
        XCTAssertEqual(finished.status, .completed)

        let backend = LocalBackend(store: store, model: try ScriptedChatModel(json: ["turns": [["text": "x"]]]), configuration: .init(sweepSeconds: 0))
        _ = try await backend.createMessage(CreateMessageParams(["thread_id": .string(forMessage.threadID), "content": "again"]))
        try assertRecovered(store, forMessage)

        let refused = try CreateRunParams(["thread_id": .string(held.threadID), "assistant_id": .string(assistant.id)])
        assertAPIError(.conflictingState) { _ = try executor.start(threadID: held.threadID, newThread: nil, options: refused.options, listen: false) }
        await assertAPIError(.conflictingState) {
            _ = try await backend.createMessage(CreateMessageParams(["thread_id": .string(held.threadID), "content": "no"]))
        }
        XCTAssertEqual(try store.run(id: held.id)?.status, .inProgress)
    }

    func testAWaitOnAnOrphanReturnsItEnded() async throws {
        let store = try openMemoryStore()
        let executor = try executor(store)
        let run = try orphan(store, owner: Self.reusedPid())
        let waited = try await executor.wait(threadID: run.threadID, runID: run.id, timeoutMs: 10_000)
        XCTAssertEqual(waited.status, .failed)
    }

    func testTheSweepEndsOrphansAndOverdueWaitingRunsOfTheGone() async throws {
        let store = try openMemoryStore()
        let executor = try executor(store, sweepSeconds: 0.1)
        executor.recover()
        let run = try orphan(store, owner: Self.reusedPid())
        let waiting = try orphan(store, status: .requiresAction, owner: Self.reusedPid())
        _ = try store.modifyRun(id: waiting.id) { $0.expiresAt = Timestamp.now() - 1 }
        let deadline = Date(timeIntervalSinceNow: 20)
        while try store.run(id: run.id)?.status != .failed || store.run(id: waiting.id)?.status != .expired, Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        try assertRecovered(store, run)
        XCTAssertEqual(try store.run(id: waiting.id)?.status, .expired)
        executor.shutdown()
    }

    func testAWaitingRunOfTheGoneIsNotAnOrphan() throws {
        let store = try openMemoryStore()
        let waiting = try orphan(store, status: .requiresAction, owner: Self.reusedPid())
        let executor = try executor(store)
        executor.recover()
        XCTAssertEqual(executor.sweep(), 0)
        XCTAssertEqual(try store.run(id: waiting.id)?.status, .requiresAction, "it takes tool outputs and expires on time")
    }

    /// Several processes (here: connections, each with its executor) noticing the same orphans
    /// at once: each orphan is ended by exactly one of them, in one transaction.
    func testOrphansAreRecoveredOnceWhenManyNoticeAtOnce() throws {
        let directory = temporaryDirectory()
        let first = try Store.open(location: .file(directory: directory))
        addTeardownBlock { first.close() }
        let runs = try (0..<60).map { _ in try orphan(first, owner: Self.reusedPid()) }
        let stores = try (0..<4).map { _ in try Store.open(location: .file(directory: directory)) }
        addTeardownBlock { stores.forEach { $0.close() } }
        let executors = try stores.map { try executor($0) }
        let recovered = Locked(0)
        DispatchQueue.concurrentPerform(iterations: executors.count) { index in
            var mine = 0
            for run in runs.shuffled() where executors[index].recoverIfOrphaned(threadID: run.threadID, runID: run.id) { mine += 1 }
            recovered.withLock { $0 += mine }
        }
        XCTAssertEqual(recovered.withLock { $0 }, runs.count)
        for run in runs { try assertRecovered(first, run) }
        XCTAssertEqual(try first.integrityCheck(), ["ok"])
    }

    /// Paused in one process, resumed (its outputs taken) in another: the first one's expiry
    /// timer and a late submit there must not overwrite the second one's work.
    func testARunTakenOverElsewhereIsLeftToItsNewOwner() async throws {
        let directory = temporaryDirectory()
        let here = try Store.open(location: .file(directory: directory))
        let there = try Store.open(location: .file(directory: directory))
        addTeardownBlock { here.close(); there.close() }
        let assistant = Make.assistant(tools: [MachineFixture.addTool])
        try here.insertAssistant(assistant)
        let thread = try Make.thread(here)
        try here.insertMessage(Make.message(threadID: thread.id, "add"))
        let model = try ScriptedChatModel(json: [
            "turns": [["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]]]]],
            "rules": [["when_last_is_tool": true, "turn": ["text": "done"]]],
        ])
        let first = RunExecutor(
            repository: StoreRunRepository(store: here), model: model, configuration: .init(expirySeconds: 1, sweepSeconds: 0))
        var elsewhere = RunExecutor.Configuration(sweepSeconds: 0)
        elsewhere.owner = try liveChild()
        let second = RunExecutor(repository: StoreRunRepository(store: there), model: model, configuration: elsewhere)

        let params = try CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)])
        let run = try first.start(threadID: thread.id, newThread: nil, options: params.options, listen: false).run
        let paused = try await first.wait(threadID: thread.id, runID: run.id, timeoutMs: 10_000)
        XCTAssertEqual(paused.status, .requiresAction)
        let callID = try XCTUnwrap(paused.requiredAction?.submitToolOutputs?.toolCalls.first?.id)
        let outputs = try SubmitToolOutputsParams([
            "thread_id": .string(thread.id), "run_id": .string(run.id), "tool_outputs": [["tool_call_id": .string(callID), "output": "3"]],
        ])
        _ = try second.submitToolOutputs(outputs, listen: false)
        let done = try await second.wait(threadID: thread.id, runID: run.id, timeoutMs: 10_000)
        XCTAssertEqual(done.status, .completed)

        assertAPIError(.conflictingState) { _ = try first.submitToolOutputs(outputs, listen: false) }
        try await Task.sleep(nanoseconds: 2_000_000_000)  // past the first one's expiry timer
        XCTAssertEqual(try here.run(id: run.id)?.status, .completed)
    }
}
