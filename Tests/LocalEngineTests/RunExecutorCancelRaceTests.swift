import AssistdSupport
import AssistantAPI
import Foundation
import JSONCore
import XCTest

@testable import LocalEngine

/// A cancel that arrives while a run is being created or resumed (the run is stored as
/// `queued` but its turns have not started) must end the run cancelled, never be undone by the
/// start that follows. The repository below fires such a cancel from another thread at exactly
/// that moment and gives it time to run.
final class RunExecutorCancelRaceTests: XCTestCase {
    /// The store's repository, plus a hook run right after a run is stored or claimed.
    final class HookedRepository: RunRepository, @unchecked Sendable {
        let base: StoreRunRepository
        let hook = Locked<(@Sendable (String, String) -> Void)?>(nil)

        init(store: Store) { base = StoreRunRepository(store: store) }

        func fire(threadID: String, runID: String) {
            guard let hook = hook.withLock({ $0 }) else { return }
            DispatchQueue.global().async { hook(threadID, runID) }
            usleep(200_000)  // room for the cancel to finish if nothing holds it back
        }

        func beginRun(_ run: Run, newThread: ThreadObject?, messages: [Message], owner: RunOwner) throws {
            try base.beginRun(run, newThread: newThread, messages: messages, owner: owner)
            fire(threadID: run.threadID, runID: run.id)
        }

        func claimRun(runID: String, owner: RunOwner) throws {
            try base.claimRun(runID: runID, owner: owner)
            if let run = try base.runs(withStatuses: [.queued]).first(where: { $0.id == runID }) {
                fire(threadID: run.threadID, runID: runID)
            }
        }

        func requestCancel(runID: String) throws { try base.requestCancel(runID: runID) }
        func cancelRequests(among runIDs: [String]) throws -> Set<String> { try base.cancelRequests(among: runIDs) }
        func dataVersion() throws -> Int64 { try base.dataVersion() }
        func assistant(id: String) throws -> Assistant { try base.assistant(id: id) }
        func thread(id: String) throws -> ThreadObject { try base.thread(id: id) }
        func run(threadID: String, runID: String) throws -> Run { try base.run(threadID: threadID, runID: runID) }
        func runOwner(runID: String) throws -> RunOwner? { try base.runOwner(runID: runID) }
        func insertMessage(_ message: Message) throws { try base.insertMessage(message) }
        func updateMessage(_ message: Message) throws { try base.updateMessage(message) }
        func insertStep(_ step: RunStep) throws { try base.insertStep(step) }
        func updateStep(_ step: RunStep) throws { try base.updateStep(step) }
        func updateRun(_ run: Run) throws { try base.updateRun(run) }
        func transaction(_ body: () throws -> Void) throws { try base.transaction(body) }
        func recentThreadMessages(threadID: String, limit: Int) throws -> [Message] {
            try base.recentThreadMessages(threadID: threadID, limit: limit)
        }
        func threadToolSteps(threadID: String, since createdAt: Int64) throws -> [RunStep] {
            try base.threadToolSteps(threadID: threadID, since: createdAt)
        }
        func message(id: String) throws -> Message? { try base.message(id: id) }
        func steps(runID: String) throws -> [RunStep] { try base.steps(runID: runID) }
        func runs(withStatuses statuses: [RunStatus]) throws -> [Run] { try base.runs(withStatuses: statuses) }
    }

    func makeExecutor(script: JSONValue) throws -> (RunExecutor, HookedRepository, assistant: String, thread: String) {
        let store = try openMemoryStore()
        let assistant = Make.assistant(tools: [Tool(raw: ["type": "function", "function": ["name": "big_add"]])])
        try store.insertAssistant(assistant)
        let thread = try Make.thread(store)
        try store.insertMessage(Make.message(threadID: thread.id, "hi"))
        let repository = HookedRepository(store: store)
        let executor = RunExecutor(repository: repository, model: try ScriptedChatModel(json: script))
        return (executor, repository, assistant.id, thread.id)
    }

    func testCancelDuringCreationEndsTheRunCancelled() async throws {
        let (executor, repository, assistant, thread) = try makeExecutor(script: ["turns": [["text": "a reply", "chunks": 2, "delay_ms": 50]]])
        repository.hook.withLock { $0 = { threadID, runID in _ = try? executor.cancel(threadID: threadID, runID: runID) } }
        let params = try CreateRunParams(["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let started = try executor.start(threadID: thread, newThread: nil, options: params.options, listen: false).run
        let final = try await executor.wait(threadID: thread, runID: started.id, timeoutMs: 10_000)
        XCTAssertEqual(final.status, .cancelled, "the cancel must not be undone by the start")
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertEqual(try repository.run(threadID: thread, runID: started.id).status, .cancelled, "and it stays cancelled")
    }

    func testCancelDuringResumeEndsTheRunCancelled() async throws {
        let (executor, repository, assistant, thread) = try makeExecutor(script: ["turns": [
            ["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]]]],
            ["text": "a reply", "chunks": 2, "delay_ms": 50],
        ]])
        let params = try CreateRunParams(["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let started = try executor.start(threadID: thread, newThread: nil, options: params.options, listen: false).run
        let paused = try await executor.wait(threadID: thread, runID: started.id, timeoutMs: 10_000)
        XCTAssertEqual(paused.status, .requiresAction)

        repository.hook.withLock { $0 = { threadID, runID in _ = try? executor.cancel(threadID: threadID, runID: runID) } }
        let submit = try SubmitToolOutputsParams([
            "thread_id": .string(thread), "run_id": .string(started.id), "tool_outputs": [["tool_call_id": "", "output": "3"]],
        ])
        _ = try executor.submitToolOutputs(submit, listen: false)
        let final = try await executor.wait(threadID: thread, runID: started.id, timeoutMs: 10_000)
        XCTAssertEqual(final.status, .cancelled)
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertEqual(try repository.run(threadID: thread, runID: started.id).status, .cancelled)
    }

    /// A streamed run whose stream its reader drops (as `$/cancelRequest` does) while the run is
    /// cancelled: the stream's termination and the run's end race on other threads, and
    /// neither may wait for the other. Each round must end within the deadline.
    func testDroppingAStreamWhileTheRunIsCancelledNeverHangs() async throws {
        let store = try openMemoryStore()
        let assistant = Make.assistant()
        try store.insertAssistant(assistant)
        let text = String(repeating: "word ", count: 200)
        let executor = RunExecutor(
            repository: StoreRunRepository(store: store), model: try ScriptedChatModel(json: ["turns": [["text": .string(text), "chunks": 200]]]))
        for round in 0..<20 {
            let thread = try Make.thread(store)
            try store.insertMessage(Make.message(threadID: thread.id, "hi"))
            let params = try CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)])
            let (run, events) = try executor.start(threadID: thread.id, newThread: nil, options: params.options, listen: true)
            let stream = try XCTUnwrap(events)
            let reader = Task {
                var seen = 0
                for try await _ in stream.events {
                    seen += 1
                    if seen == 3 + round { break }  // the reader goes away mid-stream
                }
            }
            let canceller = Task.detached { _ = try? executor.cancel(threadID: thread.id, runID: run.id) }
            if round % 2 == 0 { reader.cancel() }
            let final = try await executor.wait(threadID: thread.id, runID: run.id, timeoutMs: 10_000)
            _ = await canceller.result
            _ = try? await reader.value
            XCTAssertTrue([RunStatus.cancelled, .completed].contains(final.status), "round \(round): \(final.status)")
        }
    }
}
