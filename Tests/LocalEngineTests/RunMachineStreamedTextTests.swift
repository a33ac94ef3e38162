import AssistantAPI
import XCTest

@testable import LocalEngine

/// The streamed text is stored before each delta is sent, and kept when the run ends early.
final class RunMachineStreamedTextTests: XCTestCase {
    func testEachDeltaStoresTheTextSoFarBeforeItIsSent() throws {
        var machine = MachineFixture.running()
        var stored: [String] = []
        for delta in ["Hel", "lo", ", world"] {
            let effects = try machine.textDelta(delta, now: 20)
            XCTAssertEqual(Array(effects.summary.suffix(2)), ["persist updateMessage(in_progress)", "emit thread.message.delta"])
            guard case .updateMessage(let message) = effects.writes.last else { return XCTFail("\(effects.writes)") }
            stored.append(message.text)
        }
        XCTAssertEqual(stored, ["Hel", "Hello", "Hello, world"])
        XCTAssertEqual(machine.openMessage?.text, "Hello, world")
    }

    func testStopForExitCancelsARunningTurnKeepingItsText() throws {
        var machine = try MachineFixture.streaming("Hel")
        _ = try machine.textDelta("lo", now: 21)
        let effects = machine.stopForExit(now: 30)
        XCTAssertEqual(effects.summary, [
            "cancelTurn",
            "persist updateStep(message_creation cancelled), updateMessage(incomplete), updateRun(cancelled)",
            "emit thread.message.incomplete", "emit thread.run.step.cancelled", "emit thread.run.cancelled", "endListeners", "release",
        ])
        guard case .updateMessage(let message) = effects.writes[1] else { return XCTFail("\(effects.writes)") }
        XCTAssertEqual(message.text, "Hello")
        XCTAssertEqual(message.incompleteDetails?.reason, "run_cancelled")
        XCTAssertEqual(machine.run.status, .cancelled)
        XCTAssertEqual(machine.run.cancelledAt, 30)
        XCTAssertNil(machine.run.lastError)
        XCTAssertThrowsError(try machine.textDelta("late", now: 31)) { XCTAssertTrue($0 is CancellationError) }
        XCTAssertEqual(machine.turnFailed(CancellationError(), now: 32).summary, [], "the turn's own end changes nothing")
    }

    func testStopForExitLeavesAWaitingOrEndedRunAlone() {
        var paused = MachineFixture.paused()
        XCTAssertEqual(paused.stopForExit(now: 40).summary, [])
        XCTAssertEqual(paused.run.status, .requiresAction)
        var ended = MachineFixture.running()
        _ = ended.turnFailed(ChatModelError(.server, "boom"), now: 20)
        XCTAssertEqual(ended.stopForExit(now: 41).summary, [])
    }

    func testAnyEarlyEndKeepsTheStreamedText() throws {
        var failed = try MachineFixture.streaming("partial")
        let effects = failed.turnFailed(ChatModelError(.server, "boom"), now: 30)
        guard case .updateMessage(let message) = effects.writes[1] else { return XCTFail("\(effects.writes)") }
        XCTAssertEqual(message.text, "partial")
        XCTAssertEqual(message.incompleteDetails?.reason, "run_failed")
    }

    func testARunLoadedFromStorageKeepsItsStoredText() {
        let run = MachineFixture.run(status: .inProgress)
        var message = Message(id: "message_1", createdAt: 2, threadID: run.threadID, role: "assistant", content: [.text("so far")])
        message.status = .inProgress
        let open = RunStep(id: "step_1", createdAt: 2, assistantID: run.assistantID, threadID: run.threadID, runID: run.id,
                           details: .messageCreation(messageID: message.id))
        var machine = RunMachine(stored: run, steps: [open], openMessage: message, maxRounds: 16)
        let effects = machine.abandon(now: 50)
        guard case .updateMessage(let closed) = effects.writes[1] else { return XCTFail("\(effects.writes)") }
        XCTAssertEqual(closed.text, "so far", "recovery keeps what was streamed")
        XCTAssertEqual(machine.run.status, .failed)
    }
}
