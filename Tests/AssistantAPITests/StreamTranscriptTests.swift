import AssistantAPI
import JSONCore
import XCTest

/// The Runs page's complete streamed `create_thread_and_run` transcript, read as `StreamEvent`s.
final class StreamTranscriptTests: XCTestCase {
    func events() throws -> [StreamEvent] {
        var events: [StreamEvent] = []
        var name: String?
        for line in try Fixture.text("seed_stream_plain_run.sse").split(separator: "\n") {
            if line.hasPrefix("event:") {
                name = String(line.dropFirst("event:".count))
            } else if line.hasPrefix("data:") {
                let payload = line.dropFirst("data:".count)
                let data: JSONValue = payload == "[DONE]" ? "[DONE]" : try JSONValue.parse(Array(payload.utf8))
                events.append(StreamEvent(event: try XCTUnwrap(name), data: data))
            }
        }
        return events
    }

    func testTheServiceOrderOfEvents() throws {
        let names = try events().map(\.event)
        XCTAssertEqual(names, [
            "thread.created", "thread.run.created", "thread.run.queued", "thread.run.in_progress",
            "thread.run.step.created", "thread.run.step.in_progress",
            "thread.message.created", "thread.message.in_progress",
            "thread.message.delta", "thread.message.delta", "thread.message.delta", "thread.message.delta",
            "thread.message.delta", "thread.message.delta",
            "thread.message.completed", "thread.run.step.completed", "thread.run.completed", "done",
        ])
        XCTAssertEqual(try events().last, StreamEvent.done)
    }

    func testRunEventsCarryRunsAndOthersDoNot() throws {
        for event in try events() {
            let isRunEvent = event.event.hasPrefix("thread.run.") && !event.event.hasPrefix("thread.run.step")
            XCTAssertEqual(event.run != nil, isRunEvent, event.event)
            if let run = event.run {
                XCTAssertEqual(EventName.run(run.status.rawValue), event.event == "thread.run.created" ? "thread.run.queued" : event.event)
            }
        }
    }

    func testEveryPayloadDecodesAsItsObject() throws {
        for event in try events() where event.event != "done" {
            switch event.data["object"]?.stringValue {
            case "thread": _ = try ThreadObject(wireJSON: event.data)
            case "thread.run": _ = try Run(wireJSON: event.data)
            case "thread.run.step": _ = try RunStep(wireJSON: event.data)
            case "thread.message": _ = try Message(wireJSON: event.data)
            case "thread.message.delta": _ = try MessageDelta(wireJSON: event.data)
            case let other: XCTFail("\(event.event): unexpected object \(other ?? "nil")")
            }
            XCTAssertEqual(event.data["request_id"], "f38314af-21c4-945e-acdc-cb9765d1d48f")
        }
    }

    /// The deltas spell out the completed text, ending with an empty delta. (The published sample
    /// lost the spaces between its deltas — "999" + "times 998" — so spaces are not compared.)
    func testDeltasSpellTheCompletedText() throws {
        let all = try events()
        let pieces = try all.filter { $0.event == "thread.message.delta" }
            .map { try MessageDelta(wireJSON: $0.data).delta.content.map(\.text.value).joined() }
        XCTAssertEqual(pieces.last, "")
        let completed = try Message(wireJSON: try XCTUnwrap(all.first { $0.event == "thread.message.completed" }).data)
        XCTAssertEqual(pieces.joined().filter { $0 != " " }, completed.text.filter { $0 != " " })
    }

    func testEventBuiltFromAnObject() throws {
        let run = Run(id: "run_1", createdAt: 5, threadID: "thread_1", assistantID: "asst_1", status: .requiresAction, model: "m")
        let event = try StreamEvent(EventName.run("requires_action"), run)
        XCTAssertEqual(event.event, "thread.run.requires_action")
        XCTAssertEqual(event.run, run)
        XCTAssertEqual(event.data["required_action"], .null)
        XCTAssertEqual(EventName.step("delta"), "thread.run.step.delta")
        XCTAssertEqual(EventName.message("completed"), "thread.message.completed")
    }
}
