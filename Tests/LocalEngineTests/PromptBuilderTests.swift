import AssistantAPI
import XCTest

@testable import LocalEngine

/// The prompt a turn sends: thread messages oldest first, completed tool rounds at their place,
/// truncation that never separates a call from its outputs; and how submitted outputs are
/// matched to pending calls.
final class PromptBuilderTests: XCTestCase {
    func message(_ text: String, role: String = "user", at time: Int64) -> Message {
        Message(id: ObjectID.make(ObjectID.message), createdAt: time, threadID: "thread_t", role: role, content: [.text(text)])
    }

    func toolStep(at time: Int64, calls: [(id: String, output: String?)]) -> RunStep {
        let toolCalls = calls.map { ToolCall(id: $0.id, function: FunctionCall(name: "big_add", arguments: "{\"n\":1}", output: $0.output)) }
        return RunStep(id: ObjectID.make(ObjectID.step), createdAt: time, assistantID: "asst_a", threadID: "thread_t", runID: "run_r", details: .toolCalls(toolCalls))
    }

    func shape(_ prompt: [ChatMessage]) -> [String] {
        prompt.map { message in
            switch message.role {
            case .assistant where !message.toolCalls.isEmpty: return "call:" + message.toolCalls.map(\.id).joined(separator: ",")
            case .tool: return "out:\(message.toolCallID ?? "?")=\(message.content)"
            default: return "\(message.role.rawValue):\(message.content)"
            }
        }
    }

    func testHistoryIsOldestFirstWithToolRoundsAtTheirPlace() {
        let builder = PromptBuilder(contextTokens: 100_000)
        let messages = [
            message("q1", at: 100), message("a1", role: "assistant", at: 300), message("q2", at: 400), message("a2", role: "assistant", at: 600),
        ]
        let steps = [toolStep(at: 500, calls: [("c2", "o2")]), toolStep(at: 200, calls: [("c1a", "o1a"), ("c1b", "o1b")])]
        let prompt = builder.build(instructions: "sys", messages: messages, toolSteps: steps, truncation: nil, reserveForOutput: 100)
        XCTAssertEqual(shape(prompt), [
            "system:sys", "user:q1", "call:c1a,c1b", "out:c1a=o1a", "out:c1b=o1b", "assistant:a1",
            "user:q2", "call:c2", "out:c2=o2", "assistant:a2",
        ])
    }

    func testToolRoundSortsBeforeTheReplyOfTheSameMillisecondAndPendingCallsAreLeftOut() {
        let builder = PromptBuilder(contextTokens: 100_000)
        let messages = [message("q", at: 10), message("reply", role: "assistant", at: 20)]
        let steps = [toolStep(at: 20, calls: [("c", "o")]), toolStep(at: 30, calls: [("pending", nil)])]
        let prompt = builder.build(instructions: nil, messages: messages, toolSteps: steps, truncation: nil, reserveForOutput: 10)
        XCTAssertEqual(shape(prompt), ["user:q", "call:c", "out:c=o", "assistant:reply"])
    }

    /// A fast model calls its tools in the millisecond its run was given the question: the
    /// question still comes first, so the next turn sees the tool's output last (else it would
    /// take the question as unanswered and call the tool again).
    func testAQuestionOfTheSameMillisecondAsTheToolRoundComesBeforeIt() {
        let builder = PromptBuilder(contextTokens: 100_000)
        let messages = [message("use the tool", at: 10)]
        let steps = [toolStep(at: 10, calls: [("c", "3")])]
        let prompt = builder.build(instructions: nil, messages: messages, toolSteps: steps, truncation: nil, reserveForOutput: 10)
        XCTAssertEqual(shape(prompt), ["user:use the tool", "call:c", "out:c=3"])

        let answered = messages + [message("the tool said 3", role: "assistant", at: 10)]
        let all = builder.build(instructions: nil, messages: answered, toolSteps: steps, truncation: nil, reserveForOutput: 10)
        XCTAssertEqual(shape(all), ["user:use the tool", "call:c", "out:c=3", "assistant:the tool said 3"])
    }

    /// A fast run's reply and the next question can share a millisecond: the thread's own order
    /// holds (a sort by role once put the question before the reply it followed).
    func testMessagesOfOneMillisecondKeepTheThreadsOrder() {
        let builder = PromptBuilder(contextTokens: 100_000)
        var reply = message("second answer", role: "assistant", at: 50)
        reply.runID = "run_other"
        let messages = [message("q1", at: 10), message("q2", at: 40), reply, message("third question", at: 50)]
        let steps = [toolStep(at: 50, calls: [("c", "o")])]
        let prompt = builder.build(instructions: nil, messages: messages, toolSteps: steps, truncation: nil, reserveForOutput: 10)
        XCTAssertEqual(shape(prompt), ["user:q1", "user:q2", "assistant:second answer", "user:third question", "call:c", "out:c=o"])
    }

    func testLastMessagesCountsAToolRoundAsOneUnit() {
        let builder = PromptBuilder(contextTokens: 100_000)
        let messages = [message("q1", at: 1), message("q2", at: 3), message("a2", role: "assistant", at: 4)]
        let steps = [toolStep(at: 2, calls: [("c1", "o1"), ("c2", "o2")])]
        func kept(_ count: Int) -> [String] {
            shape(builder.build(instructions: "sys", messages: messages, toolSteps: steps,
                                truncation: TruncationStrategy(type: "last_messages", lastMessages: count), reserveForOutput: 10))
        }
        XCTAssertEqual(kept(1), ["system:sys", "assistant:a2"])
        XCTAssertEqual(kept(2), ["system:sys", "user:q2", "assistant:a2"])
        XCTAssertEqual(kept(3), ["system:sys", "call:c1,c2", "out:c1=o1", "out:c2=o2", "user:q2", "assistant:a2"])
        XCTAssertEqual(kept(10).count, 7)
    }

    func testAutoTruncationDropsTheOldestAndNeverSplitsARound() {
        // Each message costs about 29 tokens (100 characters / 4 + 4); the round about 3 × 29.
        let long = String(repeating: "x", count: 100)
        let messages = [message("old " + long, at: 1), message("q " + long, at: 3), message("a " + long, role: "assistant", at: 4)]
        let round = toolStep(at: 2, calls: [("c1", long), ("c2", long)])
        for context in stride(from: 60, through: 400, by: 10) {
            let prompt = PromptBuilder(contextTokens: context).build(
                instructions: nil, messages: messages, toolSteps: [round], truncation: TruncationStrategy(type: "auto"), reserveForOutput: 0)
            let roles = prompt.map(\.role)
            XCTAssertEqual(prompt.last?.content, "a " + long, "the newest message is always kept (context \(context))")
            let calls = prompt.filter { !$0.toolCalls.isEmpty }.count
            let outputs = roles.filter { $0 == .tool }.count
            XCTAssertEqual(outputs, calls * 2, "a round is kept whole or dropped whole (context \(context))")
            if calls > 0 { XCTAssertTrue(prompt.contains { $0.content == "q " + long }, "nothing newer than a kept round is dropped") }
        }
        let everything = PromptBuilder(contextTokens: 10_000).build(
            instructions: nil, messages: messages, toolSteps: [round], truncation: nil, reserveForOutput: 0)
        XCTAssertEqual(everything.count, 6)
        let tight = PromptBuilder(contextTokens: 40).build(
            instructions: nil, messages: messages, toolSteps: [round], truncation: nil, reserveForOutput: 0)
        XCTAssertEqual(tight.map(\.content), ["a " + long], "only the newest fits")
    }

    // MARK: matching submitted outputs

    let pending = [
        ToolCall(id: "call_a", function: FunctionCall(name: "f", arguments: "{}")),
        ToolCall(id: "call_b", function: FunctionCall(name: "g", arguments: "{}")),
    ]

    func testOutputsMatchByIDInAnyOrder() throws {
        let outputs = try RunMachine.match([ToolOutput(toolCallID: "call_b", output: "B"), ToolOutput(toolCallID: "call_a", output: "A")], to: pending)
        XCTAssertEqual(outputs, ["A", "B"])
    }

    func testEmptyIDsMatchByPosition() throws {
        XCTAssertEqual(try RunMachine.match([ToolOutput(toolCallID: "", output: "1"), ToolOutput(toolCallID: "", output: "2")], to: pending), ["1", "2"])
        let service = [ToolCall(id: "", function: FunctionCall(name: "f", arguments: "{}"))]
        XCTAssertEqual(try RunMachine.match([ToolOutput(toolCallID: "whatever", output: "x")], to: service), ["x"], "the service's calls have empty ids")
        assertAPIError(.invalidParams, param: "tool_outputs") {
            _ = try RunMachine.match([ToolOutput(toolCallID: "", output: "1")], to: self.pending)
        }
    }

    func testUnknownDuplicateMissingAndMixedIDsAreRefused() {
        assertAPIError(.invalidParams, param: "tool_outputs[1].tool_call_id") {
            _ = try RunMachine.match([ToolOutput(toolCallID: "call_a", output: "A"), ToolOutput(toolCallID: "call_x", output: "X")], to: self.pending)
        }
        assertAPIError(.invalidParams, param: "tool_outputs[1].tool_call_id") {
            _ = try RunMachine.match([ToolOutput(toolCallID: "call_a", output: "A"), ToolOutput(toolCallID: "call_a", output: "A")], to: self.pending)
        }
        assertAPIError(.invalidParams, param: "tool_outputs") {
            _ = try RunMachine.match([ToolOutput(toolCallID: "call_a", output: "A")], to: self.pending)
        }
        assertAPIError(.invalidParams, param: "tool_outputs[1].tool_call_id") {
            _ = try RunMachine.match([ToolOutput(toolCallID: "call_a", output: "A"), ToolOutput(toolCallID: "", output: "B")], to: self.pending)
        }
    }
}
