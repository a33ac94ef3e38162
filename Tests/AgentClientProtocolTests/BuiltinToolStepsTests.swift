import AgentClientProtocol
import AssistantAPI
import JSONCore
import XCTest

final class BuiltinToolStepsTests: XCTestCase {
    func step(_ status: String, calls: JSONValue) throws -> RunStep {
        try RunStep(wireJSON: [
            "id": "step_1", "object": "thread.run.step", "created_at": 1, "assistant_id": "asst_1", "thread_id": "thread_1",
            "run_id": "run_1", "type": "tool_calls", "status": .string(status),
            "step_details": ["type": "tool_calls", "tool_calls": calls],
        ])
    }

    func testABuiltinToolIsShownOnceThenFollowedToItsEnd() throws {
        var steps = BuiltinToolSteps()
        let call: JSONValue = [["id": "call_1", "type": "code_interpreter", "code_interpreter": ["input": "1+1"]]]
        let started = steps.updates(for: try step("in_progress", calls: call))
        XCTAssertEqual(started.map { $0["sessionUpdate"] }, ["tool_call", "tool_call_update"])
        XCTAssertEqual(started[0]["kind"], "execute")
        XCTAssertEqual(started[0]["rawInput"], ["input": "1+1"])
        XCTAssertEqual(started[1]["status"], "in_progress")
        XCTAssertEqual(steps.updates(for: try step("in_progress", calls: call)).count, 0, "no repeat for the same status")
        let done: JSONValue = [["id": "call_1", "type": "code_interpreter", "code_interpreter": ["input": "1+1", "outputs": [["logs": "2"]]]]]
        let ended = steps.updates(for: try step("completed", calls: done))
        XCTAssertEqual(ended.count, 1)
        XCTAssertEqual(ended[0]["status"], "completed")
        XCTAssertEqual(ended[0]["rawOutput"]?["outputs"]?[0]?["logs"], "2")
    }

    func testFunctionCallsAreLeftToTheSession() throws {
        var steps = BuiltinToolSteps()
        let call: JSONValue = [["id": "call_2", "type": "function", "function": ["name": "f", "arguments": "{}"]]]
        XCTAssertEqual(steps.updates(for: try step("in_progress", calls: call)).count, 0)
    }
}
