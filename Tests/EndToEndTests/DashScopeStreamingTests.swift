import Foundation
import JSONCore
import TestSupport
import XCTest

/// Streamed runs through the binary against the fake service: `runs/event` notifications,
/// client tools (`handle_tools`), and `$/cancelRequest` stopping streams and waits.
final class DashScopeStreamingTests: XCTestCase {
    static let plainRunEvents = [
        "thread.run.created", "thread.run.queued", "thread.run.in_progress",
        "thread.run.step.created", "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress",
    ]
    static let plainRunEnd = ["thread.message.completed", "thread.run.step.completed", "thread.run.completed", "done"]

    var session: DashScopeSession!

    override func tearDownWithError() throws {
        if let session {
            XCTAssertEqual(session.finish(), 0)
            XCTAssertEqual(session.process.outputProblems, [])
        }
        session = nil
    }

    func start(clientTools: Bool = false) throws {
        session = try DashScopeSession()
        XCTAssertNotNil(try session.initialize(clientTools: clientTools)["result"])
    }

    /// Events of one request: numbered from 0 without gaps, each naming its request.
    func checkSequence(_ events: [JSONValue], request: JSONValue, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(events.map { $0["seq"]?.intValue ?? -1 }, Array(0..<Int64(events.count)), "seq", file: file, line: line)
        XCTAssertTrue(events.allSatisfy { $0["request"] == request }, file: file, line: line)
    }

    func testStreamedRunNotifiesEveryEventThenAnswersWithTheRun() throws {
        try start()
        let (assistant, thread) = try session.assistantAndThread(saying: "Say hello")
        let id = session.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let reply = try session.response(to: id)
        let run = try XCTUnwrap(reply["result"], "\(reply)")
        XCTAssertEqual(run["status"], "completed")
        XCTAssertEqual(run["object"], "thread.run")
        let events = session.events[id] ?? []
        checkSequence(events, request: id)
        let names = events.compactMap { $0["event"]?.stringValue }
        XCTAssertEqual(Array(names.prefix(7)), Self.plainRunEvents)
        XCTAssertEqual(Array(names.suffix(4)), Self.plainRunEnd)
        XCTAssertEqual(DashScopeSession.deltaText(events), "You said: Say hello")
        XCTAssertEqual(events.first?["data"]?["object"], "thread.run")
        XCTAssertNotNil(events.first?["data"]?["request_id"]?.stringValue, "data is the service's object as sent")
        let post = try XCTUnwrap(session.fake.requests().last)
        XCTAssertEqual(post["path"]?.stringValue, "/api/v1/threads/\(thread)/runs")
        XCTAssertEqual(post["body"], ["assistant_id": .string(assistant), "stream": true])
        XCTAssertEqual(post["headers"]?["accept"], "application/json; charset=utf-8", "the SDK asks for JSON even when streaming")
    }

    func testStreamedRunToRequiresActionThenStreamedSubmit() throws {
        try start()
        let (assistant, thread) = try session.assistantAndThread(saying: "get_current_weather in Beijing?", tools: [DashScopeSession.weatherTool])
        let first = session.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let paused = try XCTUnwrap(try session.response(to: first)["result"])
        XCTAssertEqual(paused["status"], "requires_action")
        let firstNames = (session.events[first] ?? []).compactMap { $0["event"]?.stringValue }
        XCTAssertEqual(Array(firstNames.suffix(2)), ["thread.run.requires_action", "done"])

        let second = session.send("runs/submitToolOutputs", [
            "thread_id": .string(thread), "run_id": paused["id"] ?? .null, "stream": true,
            "tool_outputs": [["tool_call_id": "", "output": "rain"]],
        ])
        let finished = try XCTUnwrap(try session.response(to: second)["result"])
        XCTAssertEqual(finished["status"], "completed")
        let events = session.events[second] ?? []
        checkSequence(events, request: second)
        let names = events.compactMap { $0["event"]?.stringValue }
        XCTAssertEqual(Array(names.prefix(3)), ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"])
        XCTAssertEqual(Array(names.suffix(4)), Self.plainRunEnd)
        XCTAssertEqual(DashScopeSession.deltaText(events), "get_current_weather returned: rain")
        XCTAssertEqual(try session.fake.requests().last?["body"], ["tool_outputs": [["tool_call_id": "", "output": "rain"]], "stream": true])
    }

    func testStreamedCreateThreadAndRun() throws {
        try start()
        let assistant = try session.call("assistants/create", ["model": "qwen-max"]).text("id")
        let id = session.send("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "thread": ["messages": [["role": "user", "content": "Hey"]]], "stream": true,
        ])
        let run = try XCTUnwrap(try session.response(to: id)["result"])
        XCTAssertEqual(run["status"], "completed")
        let events = session.events[id] ?? []
        checkSequence(events, request: id)
        XCTAssertEqual(events.first?["event"], "thread.created")
        XCTAssertEqual(events.first?["data"]?["id"], run["thread_id"])
        XCTAssertEqual(Array(events.compactMap { $0["event"]?.stringValue }.dropFirst().prefix(7)), Self.plainRunEvents)
        XCTAssertEqual(DashScopeSession.deltaText(events), "You said: Hey")
        XCTAssertEqual(try session.fake.requests().last?["body"], [
            "assistant_id": .string(assistant), "thread": ["messages": [["role": "user", "content": "Hey"]]], "stream": true,
        ])
    }

    /// The client answers `tools/call`; the bridge submits through the service and the one
    /// stream goes on to a single `done`.
    func testHandleToolsTheClientAnswersAndTheBridgeSubmits() throws {
        try start(clientTools: true)
        session.toolHandler = { message in
            .output("rain in \(message["params"]?["tool_call"]?["function"]?["arguments"]?.stringValue ?? "?")")
        }
        let (assistant, thread) = try session.assistantAndThread(saying: "get_current_weather in Beijing?", tools: [DashScopeSession.weatherTool])
        try session.fake.control("requests/clear", [:])
        let id = session.send("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true, "handle_tools": true,
        ])
        let run = try XCTUnwrap(try session.response(to: id)["result"])
        XCTAssertEqual(run["status"], "completed")

        XCTAssertEqual(session.toolCalls.count, 1)
        let call = try XCTUnwrap(session.toolCalls.first)
        XCTAssertNotNil(call["id"]?.stringValue, "server-to-client ids are strings")
        XCTAssertEqual(call["params"]?["request"], id)
        XCTAssertEqual(call["params"]?["thread_id"]?.stringValue, thread)
        XCTAssertEqual(call["params"]?["run_id"], run["id"])
        XCTAssertEqual(call["params"]?["tool_call"]?["function"]?["name"], "get_current_weather")

        let events = session.events[id] ?? []
        checkSequence(events, request: id)
        let names = events.compactMap { $0["event"]?.stringValue }
        XCTAssertEqual(names.filter { $0 == "done" }.count, 1, "one done, at the end")
        XCTAssertEqual(names.last, "done")
        XCTAssertTrue(names.contains("thread.run.requires_action"))
        XCTAssertEqual(names.filter { $0 == "thread.run.completed" }.count, 1)
        let arguments = #"{"location":"get_current_weather in Beijing?"}"#
        XCTAssertEqual(DashScopeSession.deltaText(events), "get_current_weather returned: rain in \(arguments)")

        let requests = try session.fake.requests()
        XCTAssertEqual(requests.map { "\($0.text("method")) \($0.text("path"))" }, [
            "POST /api/v1/threads/\(thread)/runs", "POST /api/v1/threads/\(thread)/runs/\(run.text("id"))/submit_tool_outputs",
        ])
        XCTAssertEqual(requests[0]["body"], ["assistant_id": .string(assistant), "stream": true], "handle_tools stays in the bridge")
        XCTAssertEqual(requests[1]["body"], ["tool_outputs": [["tool_call_id": "", "output": .string("rain in \(arguments)")]], "stream": true])
    }

    func testHandleToolsNeedsAClientThatDeclaredIt() throws {
        try start(clientTools: false)
        let (assistant, thread) = try session.assistantAndThread(saying: "Hi")
        try session.fake.control("requests/clear", [:])
        let error = try session.callError("runs/create", [
            "thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true, "handle_tools": true,
        ])
        XCTAssertEqual(error["code"], -32602)
        XCTAssertEqual(error["data"]?["param"], "handle_tools")
        XCTAssertEqual(try session.fake.requests().count, 0, "nothing went upstream")
    }

    func testCancelRequestStopsAStreamAndClosesItsConnection() throws {
        try start()
        try session.fake.knobs(["stall_after_events": 3, "stall_ms": 1500])
        let (assistant, thread) = try session.assistantAndThread(saying: "Say hello")
        let id = session.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        _ = try session.waitForEvents(of: id, count: 3)
        session.cancel(id)
        let reply = try session.response(to: id)
        XCTAssertEqual(reply["error"]?["code"], -32800, "\(reply)")
        XCTAssertEqual(session.events[id]?.count, 3, "nothing after the cancellation")
        // The fake counts a client that hung up when its next write fails (after the stall).
        var aborted: Int64 = 0
        for _ in 0..<400 where aborted == 0 {
            aborted = try session.fake.stats()["aborted_streams"]?.intValue ?? 0
            if aborted == 0 { usleep(25_000) }
        }
        XCTAssertEqual(aborted, 1, "the upstream request was not closed when the stream was cancelled")
        // The process goes on serving.
        XCTAssertNotNil(try session.call("threads/retrieve", ["thread_id": .string(thread)])["id"])
    }

    func testCancelRequestStopsRunsWait() throws {
        try start()
        try session.fake.knobs(["run_ms": 600_000])
        let (assistant, thread) = try session.assistantAndThread(saying: "slow")
        let runID = try session.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)]).text("id")
        try session.fake.control("requests/clear", [:])
        let id = session.send("runs/wait", ["thread_id": .string(thread), "run_id": .string(runID)])
        while try session.fake.requests().count < 2 { usleep(10_000) }
        session.cancel(id)
        XCTAssertEqual(try session.response(to: id)["error"]?["code"], -32800)
        // No more polls once cancelled. (One may still have been on its way to the fake; a wait
        // that went on polling would send several in this time: its interval is still short.)
        let polls = try session.fake.requests().count
        usleep(1_500_000)
        XCTAssertLessThanOrEqual(try session.fake.requests().count, polls + 1, "runs/wait kept polling after its cancellation")
    }
}
