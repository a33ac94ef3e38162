import AssistantAPI
import DashScope
import Foundation
import JSONCore
import TestSupport
import XCTest

/// Streamed runs, streamed submit and create-thread-and-run, and every shape of SSE the
/// service and its proxies send.
final class StreamingTests: DashScopeTestCase, @unchecked Sendable {
    static let plainRunEvents = [
        "thread.run.created", "thread.run.queued", "thread.run.in_progress",
        "thread.run.step.created", "thread.run.step.in_progress",
        "thread.message.created", "thread.message.in_progress",
    ]
    static let plainRunEnd = ["thread.message.completed", "thread.run.step.completed", "thread.run.completed", "done"]

    func streamPlainRun(_ backend: DashScopeBackend, text: String = "Say hello") async throws -> StreamEventBatches {
        let assistant = try await makeAssistant(backend)
        let thread = try await makeThread(backend, saying: text)
        return try await backend.streamRun(CreateRunParams([
            "thread_id": .string(thread.id), "assistant_id": .string(assistant.id), "stream": true, "handle_tools": true,
        ]))
    }

    func testStreamedRunYieldsTheServiceEventsInOrder() async throws {
        let backend = backend()
        let events = try await collect(try await streamPlainRun(backend))
        let names = events.map(\.event)
        XCTAssertEqual(Array(names.prefix(7)), Self.plainRunEvents)
        XCTAssertEqual(Array(names.suffix(4)), Self.plainRunEnd)
        XCTAssertEqual(names.filter { $0 == "thread.message.delta" }.count, 5, "four words and the closing empty delta")
        XCTAssertEqual(deltaText(events), "You said: Say hello")
        XCTAssertEqual(events.last, .done)
        // data is the service's object as sent, request_id and nulls included.
        let created = events[0].data
        XCTAssertEqual(created["object"], "thread.run")
        XCTAssertEqual(created["status"], "queued")
        XCTAssertNotNil(created["request_id"]?.stringValue)
        XCTAssertEqual(created["required_action"], .null)
        XCTAssertEqual(events[0].run?.status, .queued)
        let completed = try XCTUnwrap(events.first { $0.event == "thread.run.completed" }?.run)
        XCTAssertEqual(completed.status, .completed)
        // The request: stream true, bridge-only keys never sent upstream.
        let post = try await fake.requests().last { $0["method"] == "POST" }
        XCTAssertEqual(post?["body"]?["stream"], true)
        XCTAssertNil(post?["body"]?["handle_tools"])
        XCTAssertNil(post?["body"]?["thread_id"])
    }

    func testStreamedRunToRequiresActionThenStreamedSubmit() async throws {
        let backend = backend()
        let assistant = try await makeAssistant(backend, tools: [Self.weatherTool])
        let thread = try await makeThread(backend, saying: "get_current_weather in Beijing?")
        let first = try await collect(try await backend.streamRun(CreateRunParams([
            "thread_id": .string(thread.id), "assistant_id": .string(assistant.id), "stream": true,
        ])))
        XCTAssertEqual(first.map(\.event).suffix(5), [
            "thread.run.step.created", "thread.run.step.in_progress", "thread.run.step.delta", "thread.run.requires_action", "done",
        ])
        let run = try XCTUnwrap(first.compactMap(\.run).last)
        XCTAssertEqual(run.status, .requiresAction)
        let call = try XCTUnwrap(run.requiredAction?.submitToolOutputs?.toolCalls.first)
        XCTAssertEqual(call.id, "", "the service's tool_call_id is empty; outputs match by position")

        // The bridge submits with the programmatic init (no raw): the body is built from the outputs.
        let submit = SubmitToolOutputsParams(
            threadID: thread.id, runID: run.id, toolOutputs: [ToolOutput(toolCallID: call.id, output: "rain")], stream: true)
        let second = try await collect(try await backend.streamSubmitToolOutputs(submit))
        let names = second.map(\.event)
        XCTAssertEqual(Array(names.prefix(3)), ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"])
        XCTAssertEqual(Array(names.suffix(4)), Self.plainRunEnd)
        XCTAssertEqual(deltaText(second), "get_current_weather returned: rain")
        let body = try await fake.requests().last?["body"]
        XCTAssertEqual(body, ["tool_outputs": [["tool_call_id": "", "output": "rain"]], "stream": true])
    }

    func testStreamedCreateThreadAndRun() async throws {
        let backend = backend()
        let assistant = try await makeAssistant(backend)
        let events = try await collect(try await backend.streamThreadAndRun(CreateThreadAndRunParams([
            "assistant_id": .string(assistant.id), "thread": ["messages": [["role": "user", "content": "Hey"]]], "stream": true,
        ])))
        XCTAssertEqual(events.first?.event, "thread.created")
        XCTAssertEqual(events.first?.data["object"], "thread")
        XCTAssertEqual(Array(events.map(\.event).dropFirst().prefix(7)), Self.plainRunEvents)
        XCTAssertEqual(deltaText(events), "You said: Hey")
        XCTAssertEqual(events.last, .done)
    }

    /// The same run through every framing variant yields the same events.
    func testEverySSEStyleParsesToTheSameEvents() async throws {
        let backend = backend()
        let reference = try await collect(try await streamPlainRun(backend)).map(\.event)
        for style in ["spaced", "crlf", "multiline", "comments"] {
            try await fake.reset()
            try await fake.knobs(["sse_style": .string(style)])
            let events = try await collect(try await streamPlainRun(backend))
            XCTAssertEqual(events.map(\.event), reference, "style \(style)")
            XCTAssertEqual(deltaText(events), "You said: Say hello", "style \(style)")
        }
    }

    func testEventsAreForwardedAsTheyArriveNotAtTheEnd() async throws {
        // The fake stalls after 4 events; those 4 must reach us before the stall ends.
        try await fake.knobs(["stall_after_events": 4, "stall_ms": 60_000])
        let backend = backend()
        let stream = try await streamPlainRun(backend)
        var iterator = stream.events.makeAsyncIterator()
        var names: [String] = []
        for _ in 0..<4 { names.append(try await iterator.next()?.event ?? "") }
        XCTAssertEqual(names, Array(Self.plainRunEvents.prefix(4)))
    }

    func testCancellingTheConsumerCancelsTheHTTPRequest() async throws {
        try await fake.knobs(["stall_after_events": 2, "stall_ms": 1500, "stream_deltas": 50])
        let backend = backend()
        let stream = try await streamPlainRun(backend)
        let consumer = Task {
            var count = 0
            for try await _ in stream.events { count += 1 }
            return count
        }
        while try await fake.requests().count < 4 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        consumer.cancel()
        // A cancelled consumer's stream ends early: either with CancellationError or simply
        // ending (AsyncThrowingStream's own behaviour), never with the full run or another error.
        do {
            let count = try await consumer.value
            XCTAssertLessThan(count, 62, "the consumer should have been cut off, got all \(count) events")
        } catch {
            XCTAssertTrue(error is CancellationError, "got \(error)")
        }
        // The fake counts a client that hung up when its next write fails (after the stall).
        var aborted = 0
        for _ in 0..<500 where aborted == 0 {
            aborted = try await fake.control("stats")["aborted_streams"]?.intValue.map(Int.init) ?? 0
            if aborted == 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
        XCTAssertEqual(aborted, 1, "the HTTP request was not closed when its consumer went away")
    }

    /// Text deltas go on as the service's text (checked, never parsed); one that carries a
    /// known secret is parsed and scrubbed instead, as a `\u` escape that could spell one is.
    func testDeltasKeepTheServiceTextUnlessASecretMayBeInIt() async throws {
        let backend = backend()
        let plain = try await collect(try await streamPlainRun(backend, text: "caf\u{e9} \"quoted\" line\nbreak"))
        let deltas = plain.filter { $0.event == "thread.message.delta" }
        XCTAssertFalse(deltas.isEmpty)
        for delta in deltas {
            let text = try XCTUnwrap(delta.dataText, "a delta was parsed: \(delta.data)")
            XCTAssertEqual(delta.data, try JSONValue.parse(text))
        }
        XCTAssertEqual(deltaText(plain), "You said: caf\u{e9} \"quoted\" line\nbreak")
        XCTAssertTrue(plain.filter { $0.event.hasPrefix("thread.run.") }.allSatisfy { $0.dataText == nil }, "run events are parsed and checked")

        let leaked = try await collect(try await streamPlainRun(backend, text: "key \(FakeDashScopeServer.apiKey) end"))
        XCTAssertEqual(deltaText(leaked), "You said: key [redacted] end")
        XCTAssertNil(leaked.first { ($0.dataText.map { String(decoding: $0, as: UTF8.self) } ?? "").contains(FakeDashScopeServer.apiKey) })
    }

    func testEventsWrittenTogetherArriveInOneBatchInTheSameOrder() async throws {
        let backend = backend()
        try await fake.knobs(["stream_deltas": 200])
        let reference = try await collect(try await streamPlainRun(backend))
        try await fake.knobs(["stream_deltas": 200, "flush_every": 64])
        var batches: [[StreamEvent]] = []
        for try await batch in try await streamPlainRun(backend) { batches.append(batch) }
        XCTAssertFalse(batches.contains { $0.isEmpty }, "an empty batch")
        XCTAssertGreaterThan(batches.map(\.count).max() ?? 0, 1, "events the service wrote together come as one batch")
        let events = batches.flatMap { $0 }
        XCTAssertEqual(events.map(\.event), reference.map(\.event))
        XCTAssertEqual(deltaText(events), deltaText(reference))
        XCTAssertEqual(events.last, .done)
    }

    /// Each stream holds a connection for as long as it runs. When one pool of 16 connections
    /// served both, 16 stalled streams made every read wait behind them (until the connect
    /// timeout failed it); streams have a pool of their own.
    func testReadsAnswerPromptlyWhileSixteenStreamsStall() async throws {
        try await fake.knobs(["stall_after_events": 2, "stall_ms": 60_000])
        let backend = backend()
        let assistant = try await makeAssistant(backend)
        let probe = try await backend.createThread(CreateThreadParams(nil))
        let started = StartedStreams()
        var consumers: [Task<Void, any Error>] = []
        defer { consumers.forEach { $0.cancel() } }
        for _ in 0..<16 {
            let thread = try await makeThread(backend, saying: "stall")
            let stream = try await backend.streamRun(CreateRunParams([
                "thread_id": .string(thread.id), "assistant_id": .string(assistant.id), "stream": true,
            ]))
            consumers.append(Task {
                var count = 0
                for try await _ in stream.events {
                    count += 1
                    if count == 2 { await started.note() }
                }
            })
        }
        while await started.count < 16 { try await Task.sleep(for: .milliseconds(10)) }
        let clock = ContinuousClock()
        let before = clock.now
        let read = try await backend.retrieveThread(id: probe.id)
        let elapsed = clock.now - before
        XCTAssertEqual(read.id, probe.id)
        XCTAssertLessThan(elapsed, .seconds(2), "a read waited \(elapsed) behind 16 stalled streams")
    }
}

/// How many streams have delivered their first events.
private actor StartedStreams {
    private(set) var count = 0
    func note() { count += 1 }
}
