import Foundation
import JSONCore
import XCTest

/// Runs streamed and not, through the binary with the scripted test model: the event names and
/// their order against the service's documented transcripts (protocol/hosted-service.md §6), the
/// stream's framing rules, streamed submit, stream cancel.
final class RunsStreamingTests: XCTestCase {
    /// The seed's streamed createThreadAndRun transcript (seeds/000, "ストリーミング"), event by event.
    static let seedPlainReply = [
        "thread.created", "thread.run.created", "thread.run.queued", "thread.run.in_progress",
        "thread.run.step.created", "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress",
        "thread.message.delta", "thread.message.delta", "thread.message.delta", "thread.message.delta",
        "thread.message.delta", "thread.message.delta",
        "thread.message.completed", "thread.run.step.completed", "thread.run.completed", "done",
    ]

    func testStreamedCreateThreadAndRunMatchesTheSeedTranscript() throws {
        let client = try AssistdSession(fixture: "seed_plain_reply")
        let assistant = try client.assistant()
        let id = client.send("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "stream": true,
            "thread": ["messages": [["role": "user", "content": "What is 999 times 998?"]]],
        ])
        let reply = try client.reply(to: id)
        XCTAssertNil(reply.error)
        XCTAssertEqual(reply.eventNames, Self.seedPlainReply)
        assertWellFormedStream(reply, requestID: id, log: client.log)

        let data = reply.events.map { $0["data"] ?? .null }
        let thread = try XCTUnwrap(data[0].id)
        XCTAssertTrue(thread.hasPrefix("thread_"))
        XCTAssertEqual(data[1]["object"], "thread.run")
        XCTAssertEqual(data[1].status, "queued", "thread.run.created carries the queued run")
        XCTAssertEqual(data[2].status, "queued")
        XCTAssertEqual(data[3].status, "in_progress")
        XCTAssertEqual(data[4]["type"], "message_creation")
        let messageID = try XCTUnwrap(data[6].id)
        XCTAssertEqual(data[4]["step_details"]?["message_creation"]?["message_id"]?.stringValue, messageID)
        XCTAssertEqual(data[6]["content"], [], "the message starts empty")
        let deltas = data[8...13]
        XCTAssertTrue(deltas.allSatisfy { $0.id == messageID && $0["object"] == "thread.message.delta" })
        XCTAssertEqual(deltas.compactMap(\.deltaText).joined(), "999 times 998 equals 997002.")
        XCTAssertEqual(deltas.last?.deltaText, "", "the last delta is empty, as the service's")
        XCTAssertEqual(data[14].messageText, "999 times 998 equals 997002.")
        XCTAssertEqual(data[14].status, "completed")
        XCTAssertEqual(data[15].status, "completed")
        XCTAssertNotNil(data[15]["usage"]?["total_tokens"]?.intValue, "the completed step carries usage")
        XCTAssertEqual(data[16].status, "completed")
        XCTAssertNotNil(data[16]["usage"]?["total_tokens"]?.intValue, "the completed run carries usage")
        for payload in data.dropLast() {
            XCTAssertNotNil(payload["request_id"]?.stringValue, "every payload carries a request_id")
        }
        XCTAssertEqual(reply.result?.id, data[1].id, "the response is the run")
        XCTAssertEqual(reply.result?.status, "completed", "as it stands at the end of the stream")
    }

    func testStreamedRunsCreateIsTheSeedSequenceWithoutThreadCreated() throws {
        let client = try AssistdSession(fixture: "seed_plain_reply")
        let assistant = try client.assistant()
        let thread = try client.thread("What is 999 times 998?")
        let id = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let reply = try client.reply(to: id)
        XCTAssertEqual(reply.eventNames, Array(Self.seedPlainReply.dropFirst()))
        assertWellFormedStream(reply, requestID: id, log: client.log)
        XCTAssertEqual(try client.messages(thread).map(\.messageText), ["What is 999 times 998?", "999 times 998 equals 997002."])
    }

    func testPlainReplyNotStreamedEndsCompletedWithItsMessageStepAndUsage() throws {
        let client = try AssistdSession(script: ["turns": [["text": "Hello there", "chunks": 3]]])
        let assistant = try client.assistant()
        let thread = try client.thread()
        let id = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let reply = try client.reply(to: id)
        XCTAssertTrue(reply.events.isEmpty, "no events without stream")
        let run = try XCTUnwrap(reply.result)
        XCTAssertTrue(["queued", "in_progress", "completed"].contains(run.status ?? ""), "\(run)")
        XCTAssertFalse(client.log.contains { $0["method"] == "runs/event" }, "no runs/event notification at all")
        let done = try client.waitRun(thread, try XCTUnwrap(run.id))
        XCTAssertEqual(done.status, "completed")
        XCTAssertNotNil(done["completed_at"]?.intValue)
        XCTAssertNotNil(done["started_at"]?.intValue)
        XCTAssertEqual(done["last_error"], .null)

        let messages = try client.messages(thread)
        XCTAssertEqual(messages.count, 2)
        XCTAssertEqual(messages[1]["role"], "assistant")
        XCTAssertEqual(messages[1].messageText, "Hello there")
        XCTAssertEqual(messages[1]["run_id"]?.stringValue, run.id)
        XCTAssertEqual(messages[1]["assistant_id"]?.stringValue, assistant)

        let steps = try client.steps(thread, try XCTUnwrap(run.id))
        XCTAssertEqual(steps.count, 1)
        XCTAssertEqual(steps[0]["type"], "message_creation")
        XCTAssertEqual(steps[0]["step_details"]?["message_creation"]?["message_id"]?.stringValue, messages[1].id)
        XCTAssertEqual(steps[0].status, "completed")
        let stepUsage = try XCTUnwrap(steps[0]["usage"])
        let runUsage = try XCTUnwrap(done["usage"])
        XCTAssertEqual(runUsage["total_tokens"], stepUsage["total_tokens"], "the run's usage is the sum of its steps'")
        XCTAssertEqual(runUsage["input_tokens"], runUsage["prompt_tokens"])
        XCTAssertEqual(runUsage["output_tokens"], runUsage["completion_tokens"])
    }

    func testUsageIsNullUntilTheRunEnds() throws {
        let client = try AssistdSession(fixture: "big_add")
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread()
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let paused = try client.waitRun(thread, try XCTUnwrap(run.id))
        XCTAssertEqual(paused.status, "requires_action")
        XCTAssertEqual(paused["usage"], .null, "a paused run has no usage yet")
    }

    func testFunctionCallStreamEndsAtRequiresActionAndStreamedSubmitContinues() throws {
        let client = try AssistdSession(fixture: "big_add")
        let assistant = try client.assistant(tools: [AssistdSession.bigAdd])
        let thread = try client.thread("Add 87787 and 788988737")
        let createID = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let created = try client.reply(to: createID)
        XCTAssertEqual(created.eventNames, [
            "thread.run.created", "thread.run.queued", "thread.run.in_progress",
            "thread.run.step.created", "thread.run.step.in_progress", "thread.run.step.delta",
            "thread.run.requires_action", "done",
        ])
        assertWellFormedStream(created, requestID: createID, log: client.log)
        let stepDelta = created.events[5]["data"]
        let deltaCall = try XCTUnwrap(stepDelta?["delta"]?["step_details"]?["tool_calls"]?.arrayValue?.first)
        XCTAssertEqual(deltaCall["function"]?["arguments"], "{\"left\":87787,\"right\":788988737}", "full arguments in the delta")
        let run = try XCTUnwrap(created.result)
        XCTAssertEqual(run.status, "requires_action")
        let pending = try XCTUnwrap(run["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue)
        XCTAssertEqual(pending.count, 1)

        let submitID = client.send("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": .string(try XCTUnwrap(run.id)), "stream": true,
            "tool_outputs": [["tool_call_id": .string(try XCTUnwrap(pending[0].id)), "output": "789076524"]],
        ])
        let submitted = try client.reply(to: submitID)
        // The seed's streamed submit starts thread.run.step.completed → thread.run.queued.
        XCTAssertEqual(submitted.eventNames, [
            "thread.run.step.completed", "thread.run.queued", "thread.run.in_progress",
            "thread.run.step.created", "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress",
            "thread.message.delta", "thread.message.delta", "thread.message.delta",
            "thread.message.completed", "thread.run.step.completed", "thread.run.completed", "done",
        ])
        assertWellFormedStream(submitted, requestID: submitID, log: client.log)
        let toolStep = submitted.events[0]["data"]
        XCTAssertEqual(toolStep?["type"], "tool_calls")
        XCTAssertEqual(toolStep?["step_details"]?["tool_calls"]?.arrayValue?.first?["function"]?["output"], "789076524")
        XCTAssertEqual(submitted.events[11]["data"]?["usage"]?["total_tokens"]?.intValue.map { $0 > 0 }, true)
        XCTAssertEqual(submitted.result?.status, "completed")
        XCTAssertEqual(try client.messages(thread).last?.messageText, "The sum is 789076524.")
    }

    func testErrorEndingsStreamTheirTerminalEvents() throws {
        let client = try AssistdSession(script: ["turns": [
            ["text": "partial", "finish": "length"],
            ["error": ["kind": "rate_limited", "message": "slow down"]],
        ]])
        let assistant = try client.assistant()
        let first = try client.thread()
        let cutID = client.send("runs/create", ["thread_id": .string(first), "assistant_id": .string(assistant), "stream": true])
        let cut = try client.reply(to: cutID)
        XCTAssertEqual(Array(cut.eventNames.suffix(5)), [
            "thread.message.delta", "thread.message.incomplete", "thread.run.step.completed", "thread.run.incomplete", "done",
        ])
        XCTAssertEqual(cut.result?.status, "incomplete")
        XCTAssertEqual(cut.result?["incomplete_details"]?["reason"], "max_tokens")
        XCTAssertEqual(try client.messages(first).last?["incomplete_details"]?["reason"], "max_tokens")

        let second = try client.thread()
        let failedID = client.send("runs/create", ["thread_id": .string(second), "assistant_id": .string(assistant), "stream": true])
        let failed = try client.reply(to: failedID)
        XCTAssertEqual(failed.eventNames, ["thread.run.created", "thread.run.queued", "thread.run.in_progress", "thread.run.failed", "done"])
        assertWellFormedStream(failed, requestID: failedID, log: client.log)
        XCTAssertEqual(failed.result?["last_error"]?["code"], "rate_limit_exceeded")
        XCTAssertEqual(failed.result?["last_error"]?["message"], "slow down")
    }

    func testCancellingTheStreamingRequestLeavesTheRunGoing() throws {
        let client = try AssistdSession(script: ["turns": [["text": "one two three four five six", "chunks": 6, "delay_ms": 150]]])
        let assistant = try client.assistant()
        let thread = try client.thread()
        let id = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        try client.pump(until: { client.pendingEvents(of: id).contains { $0["event"] == "thread.message.delta" } })
        let runID = try XCTUnwrap(client.pendingEvents(of: id).first?["data"]?.id)
        client.notify("$/cancelRequest", ["id": id])
        let reply = try client.reply(to: id)
        XCTAssertEqual(reply.error?["code"], -32800, "the cancelled stream is answered -32800")
        XCTAssertFalse(reply.eventNames.contains("done"), "the stream stopped before its end")
        XCTAssertEqual(reply.events.map { $0["seq"]?.intValue ?? -1 }, Array(0..<Int64(reply.events.count)))
        let run = try client.waitRun(thread, runID)
        XCTAssertEqual(run.status, "completed", "the run went on")
        XCTAssertEqual(try client.messages(thread).last?.messageText, "one two three four five six")
    }

    func testTwoStreamsOnDifferentThreadsKeepTheirOwnSequences() throws {
        let client = try AssistdSession(script: ["turns": [["text": "abcdefghij", "chunks": 5, "delay_ms": 5]]])
        let assistant = try client.assistant()
        let threads = try (0..<3).map { _ in try client.thread() }
        let ids = threads.map { client.send("runs/create", ["thread_id": .string($0), "assistant_id": .string(assistant), "stream": true]) }
        for id in ids {
            let reply = try client.reply(to: id)
            assertWellFormedStream(reply, requestID: id, log: client.log)
            XCTAssertEqual(reply.eventNames.filter { $0 == "thread.message.delta" }.count, 6)
            XCTAssertEqual(reply.result?.status, "completed")
        }
    }

    func testTimestampChunksPrefixEveryTextChunkWithTheRealtimeClock() throws {
        let client = try AssistdSession(script: ["turns": [["text": "abcdef", "chunks": 3, "timestamp_chunks": true]]])
        let assistant = try client.assistant()
        let thread = try client.thread()
        let before = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let id = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let reply = try client.reply(to: id)
        let after = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let texts = reply.events.filter { $0["event"] == "thread.message.delta" }.compactMap { $0["data"]?.deltaText }.dropLast()
        XCTAssertEqual(texts.count, 3)
        var pieces: [String] = []
        for text in texts {
            let parts = text.dropFirst().split(separator: ";", maxSplits: 1)
            XCTAssertTrue(text.hasPrefix("@") && parts.count == 2, text)
            let stamp = Int64(parts.first ?? "") ?? 0
            XCTAssertTrue((before...after).contains(stamp), "\(stamp) is CLOCK_REALTIME µs within the request")
            pieces.append(String(parts.last ?? ""))
        }
        XCTAssertEqual(pieces, ["ab", "cd", "ef"])
    }
}
