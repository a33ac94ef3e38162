import AssistantAPI
import JSONCore

@testable import LocalEngine

/// Builders and readable summaries for tests of `RunMachine` transitions.
enum MachineFixture {
    static let expiresAt: Int64 = 10_000
    static let addTool = Tool(raw: ["type": "function", "function": ["name": "big_add"]])

    static func run(status: RunStatus = .queued) -> Run {
        var run = Run(id: "run_1", createdAt: 1, threadID: "thread_1", assistantID: "asst_1", status: status, model: "test-model")
        run.expiresAt = expiresAt
        return run
    }

    /// A new run after `begin`: in progress, its turn running.
    static func running(maxRounds: Int = 16) -> RunMachine {
        var machine = RunMachine(newRun: run(), toolsForModel: [addTool], maxRounds: maxRounds)
        _ = machine.begin(newThread: nil, refusal: nil, now: 10)
        return machine
    }

    /// A running run whose turn has streamed `text` into its message.
    static func streaming(_ text: String = "Hel") throws -> RunMachine {
        var machine = running()
        _ = try machine.textDelta(text, now: 20)
        return machine
    }

    /// A run paused for one call of `big_add`.
    static func paused(maxRounds: Int = 16) -> RunMachine {
        var machine = running(maxRounds: maxRounds)
        _ = machine.endTurn(toolCalls: [call], usage: Usage(promptTokens: 7, completionTokens: 3), promptTokensEstimate: 0, finish: .toolCalls, now: 30)
        return machine
    }

    /// A process that executes runs (recorded by `claimRun`).
    static func owner(_ pid: Int32) -> RunOwner { RunOwner(pid: pid, startTime: 1234, bootID: "boot-1") }

    static let call = ChatToolCall(id: "call_1", name: "big_add", arguments: #"{"left":1,"right":2}"#)
}

extension Array where Element == RunEffect {
    /// One line per effect: `emit thread.run.queued`, `persist updateRun(in_progress)`,
    /// `startTurn`, … .
    var summary: [String] { map(\.summary) }

    /// The names of the events emitted, in order.
    var events: [String] {
        compactMap { if case .emit(let event) = $0 { return event.event } else { return nil } }
    }

    var writes: [RunWrite] {
        flatMap { effect -> [RunWrite] in if case .persist(let writes) = effect { return writes } else { return [] } }
    }
}

extension RunEffect {
    var summary: String {
        switch self {
        case .persist(let writes): return "persist " + writes.map(\.summary).joined(separator: ", ")
        case .emit(let event): return "emit \(event.event)"
        case .startTurn: return "startTurn"
        case .cancelTurn: return "cancelTurn"
        case .scheduleExpiry(let at): return "scheduleExpiry \(at)"
        case .endListeners: return "endListeners"
        case .release: return "release"
        case .attach: return "attach"
        }
    }
}

extension RunWrite {
    var summary: String {
        switch self {
        case .insertStep(let step): return "insertStep(\(step.type))"
        case .updateStep(let step): return "updateStep(\(step.type) \(step.status))"
        case .insertMessage: return "insertMessage"
        case .updateMessage(let message): return "updateMessage(\(message.status?.rawValue ?? "nil"))"
        case .updateMessageText: return "updateMessageText"
        case .updateRun(let run): return "updateRun(\(run.status))"
        case .claimRun: return "claimRun"
        }
    }
}
