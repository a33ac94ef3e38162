import Foundation
import JSONCore
import TestSupport
import XCTest

/// `runs/stream` against the fake service: the documented synthesis of a hosted run's stream.
final class DashScopeAttachTests: XCTestCase {
    func testAttachToAHostedRunSynthesisesItsStream() throws {
        let session = try DashScopeSession()
        defer { XCTAssertEqual(session.finish(), 0) }
        XCTAssertNotNil(try session.initialize()["result"])
        let (assistant, thread) = try session.assistantAndThread(saying: "Say hello")
        let run = try session.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        let runID = try XCTUnwrap(run["id"]?.stringValue)

        let attached = try session.reply(to: session.send("runs/stream", ["thread_id": .string(thread), "run_id": .string(runID)]))
        XCTAssertNil(attached.error, "\(attached.response)")
        XCTAssertEqual(attached.result?["status"], "completed")
        XCTAssertEqual(attached.eventNames, [
            "thread.run.created", "thread.message.created", "thread.message.delta", "thread.message.completed",
            "thread.run.step.completed", "thread.run.completed", "done",
        ])
        XCTAssertEqual(attached.events.map { $0["seq"]?.intValue ?? -1 }, Array(0..<7))
        XCTAssertEqual(attached.events.last?["data"], .null)
        XCTAssertEqual(DashScopeSession.deltaText(attached.events), "You said: Say hello")

        // The same sequence at every attach: resuming after seq 2 gives the rest, numbered alike.
        let resumed = try session.reply(to: session.send("runs/stream", [
            "thread_id": .string(thread), "run_id": .string(runID), "after_seq": 2,
        ]))
        XCTAssertEqual(resumed.eventNames, Array(attached.eventNames.dropFirst(3)))
        XCTAssertEqual(resumed.events.map { $0["seq"]?.intValue ?? -1 }, Array(3..<7))

        let unknown = try session.callError("runs/stream", ["thread_id": .string(thread), "run_id": "run_nope"])
        XCTAssertEqual(unknown["code"], -32010)
    }
}
