import AssistdSupport
import AssistantAPI
import Foundation
import JSONCore
import XCTest

@testable import LocalEngine

/// A turn's text reaches its listeners the same whether the model's chunks are all ready (the
/// scripted model at zero latency: no producer task) or come with pauses (the flush timer sends
/// a waiting batch within its window): in order, the message stored before it is sent, and a
/// cancel still ends a turn whose chunks are all ready.
final class RunTurnTimingTests: XCTestCase {
    /// Streams "a" and "b" at once, then "c" only after `pause`: "b" waits for the flush timer.
    final class PausingModel: ChatModel {
        let displayName = "pausing test model"
        let contextTokens = 8192
        let pause: Duration
        /// Uptime (ns) when "c" was handed over.
        let lastChunkAt = Locked<UInt64?>(nil)

        init(pause: Duration) { self.pause = pause }

        func streamTurn(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
            AsyncThrowingStream { continuation in
                let task = Task { [pause, lastChunkAt] in
                    continuation.yield(.text("a"))
                    continuation.yield(.text("b"))
                    try? await Task.sleep(for: pause)
                    lastChunkAt.withLock { $0 = DispatchTime.now().uptimeNanoseconds }
                    continuation.yield(.text("c"))
                    continuation.yield(.finish(.stop))
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            }
        }
    }

    func makeExecutor(_ model: any ChatModel) throws -> (RunExecutor, Store, CreateRunParams, thread: String) {
        let store = try openMemoryStore()
        let assistant = Make.assistant()
        try store.insertAssistant(assistant)
        let thread = try Make.thread(store)
        try store.insertMessage(Make.message(threadID: thread.id, "hi"))
        let executor = RunExecutor(repository: StoreRunRepository(store: store), model: model)
        let params = try CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)])
        return (executor, store, params, thread.id)
    }

    static func deltaText(_ event: StreamEvent) -> String? {
        guard event.event == "thread.message.delta" else { return nil }
        return event.data["delta"]?["content"]?[0]?["text"]?["value"]?.stringValue
    }

    func testTextWaitingForASlowModelIsStoredAndSentWithinItsWindow() async throws {
        let model = PausingModel(pause: .milliseconds(800))
        let (executor, store, params, thread) = try makeExecutor(model)
        let (_, stream) = try executor.start(threadID: thread, newThread: nil, options: params.options, listen: true)
        var texts: [String] = []
        var events: [String] = []
        for try await batch in try XCTUnwrap(stream) {
            for event in batch {
                events.append(event.event)
                guard let text = Self.deltaText(event), !text.isEmpty else { continue }
                texts.append(text)
                if text == "b" {
                    XCTAssertNil(model.lastChunkAt.withLock { $0 }, "\"b\" went out before the model's next chunk")
                    let messageID = try XCTUnwrap(event.data["id"]?.stringValue)
                    XCTAssertEqual(try store.message(id: messageID)?.text, "ab", "stored before it was sent")
                }
            }
        }
        XCTAssertEqual(texts, ["a", "b", "c"])
        XCTAssertEqual(events.last, EventName.done)
        XCTAssertEqual(events.dropLast().last, EventName.run("completed"))
    }

    func testACancelEndsATurnWhoseChunksAreAllReady() async throws {
        let chunks = 3000
        let model = try ScriptedChatModel(json: ["turns": [["text": .string(String(repeating: "ab", count: chunks)), "chunks": .int(Int64(chunks))]]])
        let (executor, store, params, thread) = try makeExecutor(model)
        let (run, stream) = try executor.start(threadID: thread, newThread: nil, options: params.options, listen: true)
        // Nobody reads yet: the turn waits for room with most of its chunks still to come.
        try await Task.sleep(for: .milliseconds(300))
        _ = try executor.cancel(threadID: thread, runID: run.id)
        var text = ""
        var names: [String] = []
        var messageID: String?
        for try await event in try XCTUnwrap(stream).events {
            names.append(event.event)
            if let delta = Self.deltaText(event) {
                text += delta
                messageID = event.data["id"]?.stringValue
            }
        }
        XCTAssertLessThan(text.count, 2 * chunks, "the turn stopped before its end")
        XCTAssertEqual(text, String(repeating: "ab", count: chunks).prefix(text.count).description, "the deltas in order, none missing")
        XCTAssertEqual(Array(names.suffix(2)), [EventName.run("cancelled"), EventName.done])
        let stored = try await executor.wait(threadID: thread, runID: run.id, timeoutMs: 5000)
        XCTAssertEqual(stored.status, .cancelled)
        XCTAssertEqual(try store.message(id: try XCTUnwrap(messageID))?.text, text, "the message keeps what was sent")
    }
}
