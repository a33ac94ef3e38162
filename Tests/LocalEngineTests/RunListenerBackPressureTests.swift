import AssistdSupport
import AssistantAPI
import Foundation
import JSONCore
import XCTest

@testable import LocalEngine

/// A run's listeners buffer boundedly: a slow reader slows the run, and one that takes nothing
/// is detached while the run goes on and is stored.
final class RunListenerBackPressureTests: XCTestCase {
    func makeExecutor(chunks: Int, detachAfter: Duration) throws -> (RunExecutor, Store, assistant: String, thread: String) {
        let store = try openMemoryStore()
        let assistant = Make.assistant()
        try store.insertAssistant(assistant)
        let thread = try Make.thread(store)
        try store.insertMessage(Make.message(threadID: thread.id, "hi"))
        var configuration = RunExecutor.Configuration()
        configuration.listenerDetachAfter = detachAfter
        let model = try ScriptedChatModel(json: ["turns": [["text": .string(String(repeating: "ab", count: chunks)), "chunks": .int(Int64(chunks))]]])
        let executor = RunExecutor(repository: StoreRunRepository(store: store), model: model, configuration: configuration)
        return (executor, store, assistant.id, thread.id)
    }

    func testASlowReaderGetsEveryEventInOrderAndTheRunWaitsForIt() async throws {
        let chunks = 2000
        let (executor, _, assistant, thread) = try makeExecutor(chunks: chunks, detachAfter: .seconds(30))
        let params = try CreateRunParams(["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let (run, events) = try executor.start(threadID: thread, newThread: nil, options: params.options, listen: true)
        var deltas = 0
        var text = ""
        var ranAhead = false
        for try await event in try XCTUnwrap(events).events {
            if event.event == "thread.message.delta" {
                deltas += 1
                text += event.data["delta"]?["content"]?[0]?["text"]?["value"]?.stringValue ?? ""
                if deltas % 100 == 0 {
                    try await Task.sleep(for: .milliseconds(20))
                    // The model waits for this reader: what the run stored is never far ahead of it.
                    let stored = try await executor.wait(threadID: thread, runID: run.id, timeoutMs: 1)
                    if stored.status.isTerminal && deltas < chunks - 2 * ListenerBuffer.highWater { ranAhead = true }
                }
            }
        }
        XCTAssertEqual(text, String(repeating: "ab", count: chunks), "every delta, in order")
        XCTAssertFalse(ranAhead, "the run ended while its reader was far more than the buffer behind")
    }

    func testAReaderThatTakesNothingIsDetachedAndTheRunGoesOn() async throws {
        let chunks = 3000
        let (executor, _, assistant, thread) = try makeExecutor(chunks: chunks, detachAfter: .milliseconds(300))
        let params = try CreateRunParams(["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let (run, events) = try executor.start(threadID: thread, newThread: nil, options: params.options, listen: true)
        let final = try await executor.wait(threadID: thread, runID: run.id, timeoutMs: 20_000)
        XCTAssertEqual(final.status, .completed, "the run goes on without its reader")
        var taken = 0
        do {
            for try await _ in try XCTUnwrap(events).events { taken += 1 }
            XCTFail("the stream ended normally after \(taken) events")
        } catch let error as ListenerFellBehind {
            XCTAssertEqual(error.runID, run.id)
        }
        XCTAssertLessThanOrEqual(taken, ListenerBuffer.hardLimit, "the buffer stays bounded")
    }

    func testEventsPushedWithoutWakingReachAWaitingReaderInOrderOnceWokenOrEnded() async throws {
        func event(_ n: Int) -> StreamEvent { StreamEvent(event: "thread.message.delta", data: ["n": .int(Int64(n))]) }
        let buffer = ListenerBuffer()
        let reader = Task {
            var taken: [StreamEvent] = []
            while let batch = try await buffer.nextBatch() { taken += batch }
            return taken
        }
        try await Task.sleep(for: .milliseconds(50))  // the reader waits
        XCTAssertTrue(buffer.push(event(0), wake: false))
        XCTAssertTrue(buffer.push(event(1), wake: false))
        buffer.wake()
        XCTAssertTrue(buffer.push(event(2), wake: false))
        try await Task.sleep(for: .milliseconds(50))  // the reader took 0 and 1 and waits again, 2 held
        XCTAssertTrue(buffer.push(event(3), wake: false))
        buffer.finish()  // wakes the reader with what is held, then ends its stream
        let taken = try await reader.value
        XCTAssertEqual(taken, (0...3).map(event))
    }

    func testEventsPushedWithoutWakingReachTheReaderAsOneBatch() async throws {
        func event(_ n: Int) -> StreamEvent { StreamEvent(event: "thread.message.delta", data: ["n": .int(Int64(n))]) }
        let buffer = ListenerBuffer()
        let reader = Task {
            var batches: [[StreamEvent]] = []
            while let batch = try await buffer.nextBatch() { batches.append(batch) }
            return batches
        }
        try await Task.sleep(for: .milliseconds(50))  // the reader waits
        for n in 0..<5 { XCTAssertTrue(buffer.push(event(n), wake: false)) }
        buffer.wake()
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertTrue(buffer.push(event(5)))
        try await Task.sleep(for: .milliseconds(50))
        buffer.finish()
        let batches = try await reader.value
        XCTAssertEqual(batches, [(0..<5).map(event), [event(5)]], "one batch a wake-up, in order")
    }
}
