import AssistantAPI
import JSONCore
import XCTest

@testable import LocalEngine

/// The run's transitions, one at a time: what each does to the state and which effects it asks
/// for, in order. No storage, no model, no tasks.
final class RunMachineTests: XCTestCase {
    // MARK: begin

    func testBeginAnnouncesTheRunAndStartsATurn() {
        var machine = RunMachine(newRun: MachineFixture.run(), toolsForModel: [], maxRounds: 16)
        let effects = machine.begin(newThread: nil, refusal: nil, now: 10)
        XCTAssertEqual(effects.summary, [
            "emit thread.run.created", "emit thread.run.queued",
            "persist updateRun(in_progress)", "emit thread.run.in_progress", "startTurn",
        ])
        XCTAssertEqual(machine.run.status, .inProgress)
        XCTAssertEqual(machine.run.startedAt, 10)
        XCTAssertTrue(machine.turnRunning)
        let statuses = effects.compactMap { effect -> RunStatus? in
            if case .emit(let event) = effect { return event.run?.status } else { return nil }
        }
        XCTAssertEqual(statuses, [.queued, .queued, .inProgress], "thread.run.created carries the queued run")
    }

    func testBeginOnANewThreadAnnouncesTheThreadFirst() {
        var machine = RunMachine(newRun: MachineFixture.run(), toolsForModel: [], maxRounds: 16)
        let thread = ThreadObject(id: "thread_1", createdAt: 1, metadata: [:])
        XCTAssertEqual(machine.begin(newThread: thread, refusal: nil, now: 10).events.first, "thread.created")
    }

    func testBeginWithARefusalFailsAtOnce() {
        var machine = RunMachine(newRun: MachineFixture.run(), toolsForModel: [], maxRounds: 16)
        let effects = machine.begin(newThread: nil, refusal: "cannot execute 'search'", now: 10)
        XCTAssertEqual(effects.summary, [
            "emit thread.run.created", "emit thread.run.queued",
            "persist updateRun(failed)", "emit thread.run.failed", "endListeners", "release",
        ])
        XCTAssertEqual(machine.run.lastError, LastError(code: LastError.invalidPrompt, message: "cannot execute 'search'"))
        XCTAssertFalse(machine.turnRunning)
    }

    // MARK: a turn

    func testAReplyStreamsIntoAMessageAndCompletesTheRun() throws {
        var machine = MachineFixture.running()
        var effects = try machine.textDelta("Hel", now: 20)
        effects += try machine.textDelta("lo", now: 21)
        effects += machine.endTurn(toolCalls: [], usage: Usage(promptTokens: 5, completionTokens: 2), promptTokensEstimate: 0, finish: .stop, now: 22)
        XCTAssertEqual(effects.summary, [
            "persist insertStep(message_creation), insertMessage",
            "emit thread.run.step.created", "emit thread.run.step.in_progress",
            "emit thread.message.created", "emit thread.message.in_progress",
            "persist updateMessageText", "emit thread.message.delta",
            "persist updateMessage(completed), updateStep(message_creation completed)",
            "emit thread.message.delta", "emit thread.message.delta", "emit thread.message.completed", "emit thread.run.step.completed",
            "persist updateRun(completed)", "emit thread.run.completed", "endListeners", "release",
        ])
        guard case .updateMessage(let message) = effects.writes[3] else { return XCTFail("\(effects.writes)") }
        XCTAssertEqual(message.text, "Hello")
        XCTAssertEqual(message.completedAt, 22)
        XCTAssertEqual(machine.run.status, .completed)
        XCTAssertEqual(machine.run.usage, Usage(promptTokens: 5, completionTokens: 2))
        XCTAssertNil(machine.openMessage)
        XCTAssertEqual(machine.openSteps, [])
        XCTAssertFalse(machine.turnRunning)
    }

    func testToolCallsPauseTheRun() {
        var machine = MachineFixture.running()
        let effects = machine.endTurn(
            toolCalls: [MachineFixture.call], usage: Usage(promptTokens: 7, completionTokens: 3), promptTokensEstimate: 0, finish: .toolCalls, now: 30)
        XCTAssertEqual(effects.summary, [
            "persist insertStep(tool_calls), updateRun(requires_action)",
            "emit thread.run.step.created", "emit thread.run.step.in_progress", "emit thread.run.step.delta",
            "emit thread.run.requires_action", "endListeners", "scheduleExpiry \(MachineFixture.expiresAt)",
        ])
        XCTAssertEqual(machine.run.status, .requiresAction)
        XCTAssertEqual(machine.run.requiredAction?.submitToolOutputs?.toolCalls.map(\.name), ["big_add"])
        XCTAssertEqual(machine.openSteps.map(\.type), [RunStep.toolCalls])
        XCTAssertFalse(machine.turnRunning)
    }

    func testTextThenToolCallsCompleteTheMessageBeforeTheToolStep() throws {
        var machine = try MachineFixture.streaming("Let me add.")
        let effects = machine.endTurn(toolCalls: [MachineFixture.call], usage: nil, promptTokensEstimate: 40, finish: .toolCalls, now: 30)
        XCTAssertEqual(Array(effects.events.prefix(4)), [
            "thread.message.delta", "thread.message.completed", "thread.run.step.completed", "thread.run.step.created",
        ])
        guard case .updateStep(let messageStep) = effects.writes[1], case .insertStep(let toolStep) = effects.writes[2] else {
            return XCTFail("\(effects.writes)")
        }
        XCTAssertEqual(messageStep.usage, Usage(promptTokens: 0, completionTokens: 0), "the turn's usage goes to the tool step")
        XCTAssertEqual(toolStep.usage, Usage(promptTokens: 40, completionTokens: PromptBuilder.estimateTokens("Let me add.")),
                       "estimated when the model gives no usage")
    }

    func testABuiltinCallKeepsItsOwnShape() {
        var machine = MachineFixture.running()
        _ = machine.endTurn(
            toolCalls: [ChatToolCall(id: "call_2", name: "quark_search", arguments: #"{"input":"x"}"#)], usage: nil,
            promptTokensEstimate: 1, finish: .toolCalls, now: 30)
        XCTAssertEqual(machine.run.requiredAction?.submitToolOutputs?.toolCalls.first?.type, "quark_search")
    }

    func testRunningOutOfTokensEndsIncomplete() throws {
        var machine = try MachineFixture.streaming()
        let effects = machine.endTurn(toolCalls: [], usage: nil, promptTokensEstimate: 1, finish: .length, now: 30)
        XCTAssertEqual(effects.events, [
            "thread.message.delta", "thread.message.incomplete", "thread.run.step.completed", "thread.run.incomplete",
        ])
        XCTAssertEqual(machine.run.status, .incomplete)
        XCTAssertEqual(machine.run.incompleteDetails?.reason, "max_tokens")
    }

    func testAContentFilterEndsIncomplete() {
        var machine = MachineFixture.running()
        _ = machine.endTurn(toolCalls: [], usage: nil, promptTokensEstimate: 1, finish: .contentFilter, now: 30)
        XCTAssertEqual(machine.run.incompleteDetails?.reason, "content_filter")
    }

    func testAModelErrorFailsTheRunAndClosesWhatIsOpen() throws {
        var machine = try MachineFixture.streaming()
        let effects = machine.turnFailed(ChatModelError(.rateLimited, "slow down"), now: 30)
        XCTAssertEqual(effects.summary, [
            "persist updateStep(message_creation failed), updateMessage(incomplete), updateRun(failed)",
            "emit thread.message.incomplete", "emit thread.run.step.failed", "emit thread.run.failed", "endListeners", "release",
        ])
        let lastError = LastError(code: LastError.rateLimitExceeded, message: "slow down")
        XCTAssertEqual(machine.run.lastError, lastError)
        guard case .updateStep(let step) = effects.writes[0], case .updateMessage(let message) = effects.writes[1] else {
            return XCTFail("\(effects.writes)")
        }
        XCTAssertEqual(step.lastError, lastError)
        XCTAssertEqual(step.failedAt, 30)
        XCTAssertEqual(message.incompleteDetails?.reason, "run_failed")
    }

    func testAnyOtherErrorFailsWithServerError() {
        struct Broken: Error {}
        var machine = MachineFixture.running()
        _ = machine.turnFailed(Broken(), now: 30)
        XCTAssertEqual(machine.run.lastError?.code, LastError.serverError)
    }

    func testACancelledTaskWithoutACancelEndsCancelled() {
        var machine = MachineFixture.running()
        _ = machine.turnFailed(CancellationError(), now: 30)
        XCTAssertEqual(machine.run.status, .cancelled)
    }

    // MARK: cancel

    func testCancelWhileTheModelIsCalledWaitsForTheTurn() {
        var machine = MachineFixture.running()
        let effects = machine.cancel(now: 20)
        XCTAssertEqual(effects.summary, ["persist updateRun(cancelling)", "emit thread.run.cancelling", "cancelTurn"])
        XCTAssertEqual(machine.run.status, .cancelling)
        XCTAssertTrue(machine.cancelRequested)
        XCTAssertEqual(machine.turnFailed(CancellationError(), now: 21).events, ["thread.run.cancelled"])
        XCTAssertEqual(machine.run.cancelledAt, 21)
    }

    func testCancelWhileTextStreamsEndsTheMessageIncomplete() throws {
        var machine = try MachineFixture.streaming()
        _ = machine.cancel(now: 25)
        let effects = machine.endTurn(toolCalls: [], usage: nil, promptTokensEstimate: 1, finish: .stop, now: 26)
        XCTAssertEqual(effects.summary, [
            "persist updateStep(message_creation cancelled), updateMessage(incomplete), updateRun(cancelled)",
            "emit thread.message.incomplete", "emit thread.run.step.cancelled", "emit thread.run.cancelled", "endListeners", "release",
        ])
        guard case .updateMessage(let message) = effects.writes[1] else { return XCTFail("\(effects.writes)") }
        XCTAssertEqual(message.incompleteDetails?.reason, "run_cancelled")
    }

    func testTextAfterACancelIsRefusedAndChangesNothing() throws {
        var machine = try MachineFixture.streaming("Hel")
        _ = machine.cancel(now: 25)
        let before = machine.replyText
        XCTAssertThrowsError(try machine.textDelta("lo", now: 26)) { XCTAssertTrue($0 is CancellationError) }
        XCTAssertEqual(machine.replyText, before)
        XCTAssertEqual(machine.run.status, .cancelling)
    }

    func testTextAfterTheRunEndedIsRefused() {
        var machine = MachineFixture.running()
        _ = machine.turnFailed(ChatModelError(.server, "boom"), now: 20)
        XCTAssertThrowsError(try machine.textDelta("late", now: 21))
    }

    func testASecondCancelChangesNothing() {
        var machine = MachineFixture.running()
        _ = machine.cancel(now: 20)
        let cancelling = machine.run
        XCTAssertEqual(machine.cancel(now: 21).summary, [])
        XCTAssertEqual(machine.run, cancelling)
    }

    func testCancelWhileWaitingForToolOutputsEndsAtOnce() {
        var machine = MachineFixture.paused()
        let effects = machine.cancel(now: 40)
        XCTAssertEqual(effects.summary, [
            "persist updateStep(tool_calls cancelled), updateRun(cancelled)",
            "emit thread.run.step.cancelled", "emit thread.run.cancelled", "endListeners", "release",
        ])
        XCTAssertEqual(machine.run.usage, Usage(promptTokens: 7, completionTokens: 3), "the tool step's usage counts")
        XCTAssertNil(machine.run.requiredAction)
    }

    func testCancelAfterTheEndChangesNothing() {
        var machine = MachineFixture.running()
        _ = machine.endTurn(toolCalls: [], usage: nil, promptTokensEstimate: 1, finish: .stop, now: 30)
        XCTAssertEqual(machine.cancel(now: 31).summary, [])
        XCTAssertEqual(machine.run.status, .completed)
    }

    func testCancelOfARunNoTurnExecutesEndsAtOnce() {
        // A queued or in-progress run loaded from storage: another (gone) process ran it.
        for status in [RunStatus.queued, .inProgress] {
            var machine = RunMachine(stored: MachineFixture.run(status: status), steps: [], openMessage: nil, maxRounds: 16)
            XCTAssertEqual(machine.cancel(now: 5).events, ["thread.run.cancelled"], "\(status)")
        }
    }

    /// A cancel that comes right after the run was created (before any text) or resumed still
    /// ends it cancelled, never undone by the turn that was starting.
    func testCancelRightAfterBeginOrSubmitEndsTheRunCancelled() throws {
        var created = MachineFixture.running()
        var resumed = MachineFixture.paused()
        _ = try resumed.submit([ToolOutput(toolCallID: "", output: "3")], owner: MachineFixture.owner(1), now: 40)
        for var machine in [created, resumed] {
            XCTAssertEqual(machine.cancel(now: 50).events, ["thread.run.cancelling"])
            XCTAssertThrowsError(try machine.textDelta("a reply", now: 51))
            XCTAssertEqual(machine.endTurn(toolCalls: [], usage: nil, promptTokensEstimate: 1, finish: .stop, now: 52).events.last,
                           "thread.run.cancelled")
            XCTAssertEqual(machine.run.status, .cancelled)
        }
        created = MachineFixture.running()
        _ = created.cancel(now: 50)
        XCTAssertEqual(created.endTurn(toolCalls: [MachineFixture.call], usage: nil, promptTokensEstimate: 1, finish: .toolCalls, now: 51).events,
                       ["thread.run.cancelled"], "tool calls after a cancel are dropped")
    }

    // MARK: submit

    func testSubmitCompletesTheToolStepAndResumes() throws {
        var machine = MachineFixture.paused()
        let effects = try machine.submit([ToolOutput(toolCallID: "call_1", output: "3")], owner: MachineFixture.owner(4242), now: 40)
        XCTAssertEqual(effects.summary, [
            "persist updateStep(tool_calls completed), updateRun(queued), claimRun",
            "emit thread.run.step.completed", "emit thread.run.queued",
            "persist updateRun(in_progress)", "emit thread.run.in_progress", "startTurn",
        ])
        guard case .updateStep(let step) = effects.writes[0] else { return XCTFail("\(effects.writes)") }
        XCTAssertEqual(step.stepDetails.toolCalls?.first?.output, "3")
        XCTAssertEqual(effects.writes[2], .claimRun(runID: "run_1", owner: MachineFixture.owner(4242)))
        XCTAssertEqual(machine.run.status, .inProgress)
        XCTAssertNil(machine.run.requiredAction)
        XCTAssertEqual(machine.openSteps, [])
        XCTAssertTrue(machine.turnRunning)
    }

    func testSubmitWhenNotWaitingIsRefusedAndChangesNothing() {
        var machine = MachineFixture.running()
        let before = machine.run
        assertAPIError(.conflictingState) { _ = try machine.submit([ToolOutput(toolCallID: "", output: "3")], owner: MachineFixture.owner(1), now: 40) }
        XCTAssertEqual(machine.run, before)
    }

    func testSubmitWithOutputsThatDoNotMatchIsRefusedAndChangesNothing() {
        var machine = MachineFixture.paused()
        let before = machine.run
        assertAPIError(.invalidParams, param: "tool_outputs[0].tool_call_id") {
            _ = try machine.submit([ToolOutput(toolCallID: "call_9", output: "3")], owner: MachineFixture.owner(1), now: 40)
        }
        assertAPIError(.invalidParams, param: "tool_outputs") {
            _ = try machine.submit([ToolOutput(toolCallID: "", output: "3"), ToolOutput(toolCallID: "", output: "4")], owner: MachineFixture.owner(1), now: 40)
        }
        XCTAssertEqual(machine.run, before)
        XCTAssertEqual(machine.openSteps.map(\.status), [.inProgress])
    }

    func testSubmitAfterTheLastRoundEndsIncomplete() throws {
        var machine = MachineFixture.paused(maxRounds: 1)
        let effects = try machine.submit([ToolOutput(toolCallID: "", output: "3")], owner: MachineFixture.owner(1), now: 40)
        XCTAssertEqual(Array(effects.events.suffix(2)), ["thread.run.in_progress", "thread.run.incomplete"])
        XCTAssertFalse(effects.summary.contains("startTurn"))
        XCTAssertEqual(machine.run.incompleteDetails?.reason, "max_rounds")
    }

    // MARK: expiry

    func testExpiryEndsAWaitingRunOnlyOnceDue() {
        var machine = MachineFixture.paused()
        XCTAssertEqual(machine.expire(now: MachineFixture.expiresAt - 1).summary, [], "not yet")
        let effects = machine.expire(now: MachineFixture.expiresAt)
        XCTAssertEqual(effects.summary, [
            "persist updateStep(tool_calls expired), updateRun(expired)",
            "emit thread.run.step.expired", "emit thread.run.expired", "endListeners", "release",
        ])
        guard case .updateStep(let step) = effects.writes[0] else { return XCTFail("\(effects.writes)") }
        XCTAssertEqual(step.expiredAt, MachineFixture.expiresAt)
        XCTAssertEqual(machine.expire(now: MachineFixture.expiresAt + 1).summary, [], "once")
    }

    func testExpiryLeavesARunningRunAlone() {
        var machine = MachineFixture.running()
        XCTAssertEqual(machine.expire(now: MachineFixture.expiresAt + 1).summary, [])
        XCTAssertEqual(machine.run.status, .inProgress)
    }

    func testSubmitAfterExpiryIsRefused() {
        var machine = MachineFixture.paused()
        _ = machine.expire(now: MachineFixture.expiresAt)
        assertAPIError(.conflictingState) { _ = try machine.submit([ToolOutput(toolCallID: "", output: "3")], owner: MachineFixture.owner(1), now: 40) }
    }

    // MARK: finish and restart

    func testAnEndedRunStaysEnded() {
        var machine = MachineFixture.running()
        _ = machine.endTurn(toolCalls: [], usage: nil, promptTokensEstimate: 1, finish: .stop, now: 30)
        let ended = machine.run
        XCTAssertEqual(machine.turnFailed(ChatModelError(.server, "late"), now: 31).summary, [])
        XCTAssertEqual(machine.finish(.failed, now: 32).summary, [])
        XCTAssertEqual(machine.abandon(now: 33).summary, [])
        XCTAssertEqual(machine.run, ended)
    }

    func testARunLoadedFromStorageClosesItsOpenStepAndMessage() {
        let run = MachineFixture.run(status: .inProgress)
        var message = Message(id: "message_1", createdAt: 2, threadID: run.threadID, role: "assistant", content: [])
        message.status = .inProgress
        var done = RunStep(id: "step_0", createdAt: 1, assistantID: run.assistantID, threadID: run.threadID, runID: run.id, details: .toolCalls([]))
        done.status = .completed
        done.usage = Usage(promptTokens: 4, completionTokens: 1)
        let open = RunStep(id: "step_1", createdAt: 2, assistantID: run.assistantID, threadID: run.threadID, runID: run.id,
                           details: .messageCreation(messageID: message.id))
        var machine = RunMachine(stored: run, steps: [done, open], openMessage: message, maxRounds: 16)
        XCTAssertEqual(machine.openSteps.map(\.id), ["step_1"])
        let effects = machine.abandon(now: 50)
        XCTAssertEqual(effects.summary.first, "persist updateStep(message_creation failed), updateMessage(incomplete), updateRun(failed)")
        XCTAssertEqual(machine.run.lastError?.code, LastError.serverError)
        XCTAssertEqual(machine.run.lastError?.message, "assistd stopped while this run was in_progress; it was not resumed.")
        XCTAssertEqual(machine.run.usage, Usage(promptTokens: 4, completionTokens: 1), "earlier steps' usage counts")

        var cancelling = RunMachine(stored: MachineFixture.run(status: .cancelling), steps: [], openMessage: nil, maxRounds: 16)
        XCTAssertEqual(cancelling.abandon(now: 50).events, ["thread.run.cancelled"])
    }

    func testARunLoadedFromStorageCountsItsToolRounds() throws {
        let paused = MachineFixture.paused()
        var steps = paused.openSteps
        steps.append(RunStep(id: "step_old", createdAt: 0, assistantID: "asst_1", threadID: "thread_1", runID: "run_1", details: .toolCalls([])))
        steps[1].status = .completed
        var machine = RunMachine(stored: paused.run, steps: steps, openMessage: nil, maxRounds: 2)
        let effects = try machine.submit([ToolOutput(toolCallID: "", output: "3")], owner: MachineFixture.owner(1), now: 40)
        XCTAssertEqual(effects.events.last, "thread.run.incomplete", "two rounds were used before the restart")
    }
}
