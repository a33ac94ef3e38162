import AssistantAPI
import JSONCore
import XCTest

@testable import LocalEngine

/// The streamed text is stored before each delta is sent, and kept when the run ends early.
final class RunMachineStreamedTextTests: XCTestCase {
    func testEachBatchStoresTheTextSoFarBeforeItsDeltasAreSent() throws {
        var machine = MachineFixture.running()
        // The first delta goes out at once (no batch for a window before it) …
        var effects = try machine.textDelta("Hel", now: 100)
        XCTAssertEqual(Array(effects.summary.suffix(2)), ["persist updateMessageText", "emit thread.message.delta"])
        XCTAssertEqual(Self.storedTexts(effects), ["Hel"])
        // … the next ones within the window wait for the batch …
        XCTAssertEqual(try machine.textDelta("lo", now: 105).summary, [])
        XCTAssertEqual(try machine.textDelta(", ", now: 110).summary, [])
        XCTAssertEqual(machine.unsentDeltas, ["lo", ", "])
        // … which one write stores before its deltas are sent, in order.
        effects = machine.flushText(now: 115)
        XCTAssertEqual(effects.summary, ["persist updateMessageText", "emit thread.message.delta", "emit thread.message.delta"])
        XCTAssertEqual(Self.storedTexts(effects), ["Hello, "])
        XCTAssertEqual(Self.sentTexts(effects), ["lo", ", "])
        XCTAssertEqual(machine.flushText(now: 116).summary, [], "nothing waits")
        // A delta a window after the last batch goes out at once.
        effects = try machine.textDelta("world", now: 115 + RunMachine.textBatchWindowMs)
        XCTAssertEqual(Self.storedTexts(effects), ["Hello, world"])
        XCTAssertEqual(Self.sentTexts(effects), ["world"])
    }

    func testALongTextWaitsLongerBetweenBatches() throws {
        XCTAssertEqual(RunMachine.textBatchWindow(forTextLength: 10), RunMachine.textBatchWindowMs)
        XCTAssertEqual(RunMachine.textBatchWindow(forTextLength: 1 << 20), RunMachine.textBatchWindowMs + 64)
        var machine = MachineFixture.running()
        let long = String(repeating: "x", count: 1 << 20)
        XCTAssertEqual(Self.sentTexts(try machine.textDelta(long, now: 100)), [long])
        XCTAssertEqual(try machine.textDelta("y", now: 100 + RunMachine.textBatchWindowMs).summary, [], "a megabyte waits 84 ms")
        XCTAssertEqual(Self.sentTexts(try machine.textDelta("z", now: 100 + RunMachine.textBatchWindowMs + 64)), ["y", "z"])
    }

    func testAFullBatchGoesOutAtOnce() throws {
        var machine = MachineFixture.running()
        _ = try machine.textDelta("a", now: 100)
        for _ in 1..<RunMachine.textBatchMaxDeltas { XCTAssertEqual(try machine.textDelta("b", now: 101).summary, []) }
        let effects = try machine.textDelta("c", now: 101)
        XCTAssertEqual(Self.sentTexts(effects).count, RunMachine.textBatchMaxDeltas)
        XCTAssertEqual(Self.storedTexts(effects), ["a" + String(repeating: "b", count: RunMachine.textBatchMaxDeltas - 1) + "c"])
    }

    func testTheTurnsEndSendsTheWaitingDeltasAfterStoringThem() throws {
        var machine = MachineFixture.running()
        _ = try machine.textDelta("Hel", now: 100)
        _ = try machine.textDelta("lo", now: 101)
        let effects = machine.endTurn(toolCalls: [], usage: nil, promptTokensEstimate: 1, finish: .stop, now: 102)
        XCTAssertEqual(Array(effects.summary.prefix(3)), [
            "persist updateMessage(completed), updateStep(message_creation completed)",
            "emit thread.message.delta", "emit thread.message.delta",
        ])
        XCTAssertEqual(Self.sentTexts(effects), ["lo", ""])
    }

    static func storedTexts(_ effects: [RunEffect]) -> [String] {
        effects.writes.compactMap { write in
            switch write {
            case .updateMessageText(let message), .updateMessage(let message): return message.text
            default: return nil
            }
        }
    }

    static func sentTexts(_ effects: [RunEffect]) -> [String] {
        effects.compactMap { effect in
            guard case .emit(let event) = effect, event.event == "thread.message.delta" else { return nil }
            return event.data["delta"]?["content"]?[0]?["text"]?["value"]?.stringValue
        }
    }

    func testStopForExitCancelsARunningTurnKeepingItsText() throws {
        var machine = try MachineFixture.streaming("Hel")
        _ = try machine.textDelta("lo", now: 21)
        let effects = machine.stopForExit(now: 30)
        XCTAssertEqual(effects.summary, [
            "cancelTurn",
            "persist updateStep(message_creation cancelled), updateMessage(incomplete), updateRun(cancelled)",
            "emit thread.message.delta", "emit thread.message.incomplete", "emit thread.run.step.cancelled", "emit thread.run.cancelled", "endListeners", "release",
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
