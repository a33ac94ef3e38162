import AssistantAPI
import Foundation

extension RunExecutor {
    // MARK: submit tool outputs

    /// Records the outputs for the pending tool calls (all of them, in one call) and resumes
    /// the run. With `listen`, the stream carries the continuation's events from
    /// `thread.run.step.completed` on.
    public func submitToolOutputs(_ params: SubmitToolOutputsParams, listen: Bool)
        throws -> (run: Run, events: AsyncThrowingStream<StreamEvent, any Error>?)
    {
        let state = try loadState(threadID: params.threadID, runID: params.runID)
        expireIfWaiting(threadID: params.threadID, runID: params.runID)
        let events = try state.locked { state -> AsyncThrowingStream<StreamEvent, any Error>? in
            let run = state.run
            guard run.status == .requiresAction, let pending = run.requiredAction?.submitToolOutputs?.toolCalls else {
                throw APIError(
                    .conflictingState,
                    "Run \(run.id) is not waiting for tool outputs (its status is \(run.status)).",
                    statusCode: 400, code: "InvalidRequest", details: ["run_id": .string(run.id), "status": .string(run.status.rawValue)])
            }
            let outputs = try Self.match(params.toolOutputs, to: pending)
            var step = try state.openSteps.first(where: { $0.type == RunStep.toolCalls })
                ?? repository.steps(runID: run.id).last(where: { $0.type == RunStep.toolCalls && $0.status == "in_progress" })
                ?? { throw APIError(.upstreamFailure, "The tool_calls step of \(run.id) is missing.") }()
            var calls = step.stepDetails.toolCalls ?? []
            for index in calls.indices { calls[index].output = outputs[index] }
            step.stepDetails = .toolCalls(calls)
            step.status = "completed"
            step.completedAt = Timestamp.now()
            var queued = run
            queued.status = .queued
            queued.requiredAction = nil
            try repository.transaction {
                try repository.updateStep(step)
                try repository.updateRun(queued)
                try repository.claimRun(runID: run.id, owner: configuration.owner)
            }
            if params.handleTools { state.handleTools = true }
            let stream = listen ? state.addListener() : nil
            state.openSteps = []
            state.run = queued
            emit(state, event(EventName.step("completed"), step))
            emit(state, event(EventName.run("queued"), queued))
            // Under the same lock as the move to queued: a cancel cannot end the run in between
            // and see it restarted.
            beginTurns(state)
            return stream
        }
        return (state.snapshot, events)
    }

    /// Puts outputs in the order of the pending calls. Ids must name pending calls, each once,
    /// all of them; outputs whose `tool_call_id` is empty are matched by position, as the
    /// service does (its tool call ids are `""`).
    static func match(_ outputs: [ToolOutput], to pending: [ToolCall]) throws -> [String] {
        if outputs.allSatisfy({ $0.toolCallID.isEmpty }) || pending.allSatisfy({ $0.id.isEmpty }) {
            guard outputs.count == pending.count else {
                throw APIError.invalid("tool_outputs", "expected \(pending.count) outputs (one per pending tool call), got \(outputs.count)")
            }
            return outputs.map(\.output)
        }
        var byID: [String: String] = [:]
        for (index, output) in outputs.enumerated() {
            if output.toolCallID.isEmpty {
                throw APIError.invalid("tool_outputs[\(index)].tool_call_id", "is empty while other outputs name their calls; name every call or none")
            }
            guard pending.contains(where: { $0.id == output.toolCallID }) else {
                throw APIError.invalid("tool_outputs[\(index)].tool_call_id", "\"\(output.toolCallID)\" is not a pending tool call of this run (pending: \(pending.map(\.id).joined(separator: ", ")))")
            }
            if byID[output.toolCallID] != nil {
                throw APIError.invalid("tool_outputs[\(index)].tool_call_id", "\"\(output.toolCallID)\" is given twice")
            }
            byID[output.toolCallID] = output.output
        }
        let missing = pending.map(\.id).filter { byID[$0] == nil }
        if !missing.isEmpty {
            throw APIError.invalid("tool_outputs", "outputs must be submitted for all pending tool calls in one call; missing: \(missing.joined(separator: ", "))")
        }
        return pending.map { byID[$0.id]! }
    }

    // MARK: cancel

    /// Cancels from any non-terminal status; idempotent. A run whose model call is in flight
    /// goes to `cancelling` and ends `cancelled` as soon as the call stops.
    public func cancel(threadID: String, runID: String) throws -> Run {
        let state = try loadState(threadID: threadID, runID: runID)
        return state.locked { state -> Run in
            let run = state.run
            switch run.status {
            case let status where status.isTerminal:
                break
            case .inProgress where state.task != nil:
                state.cancelRequested = true
                var cancelling = run
                cancelling.status = .cancelling
                store(run: cancelling, in: state)
                emit(state, event(EventName.run("cancelling"), cancelling))
                state.task?.cancel()
            case .cancelling where state.task != nil:
                break
            default:
                // requires_action, queued, or a run this process does not execute: nothing is
                // in flight, so it ends now.
                if state.openSteps.isEmpty, run.status == .requiresAction,
                    let pending = try? repository.steps(runID: runID).last(where: { $0.status == "in_progress" })
                {
                    state.openSteps = [pending]
                }
                finishRun(state, status: .cancelled)
            }
            return state.run
        }
    }

    // MARK: wait

    /// Returns when the run is terminal or `requires_action`, without polling when this
    /// process executes it; otherwise (another process) polls storage with a backoff.
    public func wait(threadID: String, runID: String, timeoutMs: Int?) async throws -> Run {
        let deadline = timeoutMs.map { Timestamp.now() + Int64($0) }
        if let state = state(for: runID) {
            let listener = state.locked { state -> AsyncThrowingStream<StreamEvent, any Error>? in
                Self.isSettled(state.run.status) ? nil : state.addListener()
            }
            if let listener {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { for try await _ in listener {} }
                    if let deadline {
                        group.addTask { try await Task.sleep(nanoseconds: UInt64(max(0, deadline - Timestamp.now())) * 1_000_000) }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
                try Task.checkCancellation()
            }
        }
        var delayMs: Int64 = 50
        while true {
            let run = try repository.run(threadID: threadID, runID: runID)
            if Self.isSettled(run.status) { return run }
            if let deadline, Timestamp.now() >= deadline { return run }
            let sleep = deadline.map { min(delayMs, max(1, $0 - Timestamp.now())) } ?? delayMs
            try await Task.sleep(nanoseconds: UInt64(sleep) * 1_000_000)
            delayMs = min(delayMs * 2, 1000)
        }
    }

    static func isSettled(_ status: RunStatus) -> Bool { status.isTerminal || status == .requiresAction }

    // MARK: restart

    /// After a restart: runs that were `queued`, `in_progress` or `cancelling` in a process
    /// that is gone are failed with `server_error` (or `cancelled`); waiting runs past their
    /// expiry are expired, the others get their expiry timer back.
    public func recover() {
        let orphans = (try? repository.runs(withStatuses: [.queued, .inProgress, .cancelling, .requiresAction])) ?? []
        for run in orphans {
            if run.status == .requiresAction {
                if let expiresAt = run.expiresAt, expiresAt <= Timestamp.now() {
                    expireIfWaiting(threadID: run.threadID, runID: run.id)
                } else {
                    scheduleExpiry(runID: run.id, threadID: run.threadID, at: run.expiresAt)
                }
                continue
            }
            let owner = try? repository.runOwner(runID: run.id)
            if let owner, owner != configuration.owner, Self.processIsAlive(owner) { continue }
            guard let state = try? loadState(threadID: run.threadID, runID: run.id) else { continue }
            state.locked { state in
                if state.openSteps.isEmpty {
                    state.openSteps = ((try? repository.steps(runID: run.id)) ?? []).filter { $0.status == "in_progress" }
                }
                if state.openMessage == nil,
                    let messageID = state.openSteps.compactMap({ $0.stepDetails.messageCreation?.messageID }).first,
                    let message = try? repository.message(id: messageID)
                {
                    state.openMessage = message
                }
                if run.status == .cancelling {
                    finishRun(state, status: .cancelled)
                } else {
                    finishRun(state, status: .failed, error: LastError(
                        code: LastError.serverError, message: "assistd stopped while this run was \(run.status); it was not resumed."))
                }
            }
        }
    }

    static func processIsAlive(_ owner: String) -> Bool {
        guard let pid = pid_t(owner) else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Stops the turn tasks without ending their runs (the next start recovers them).
    public func shutdown() {
        shuttingDown.withLock { $0 = true }
        for state in states.withLock({ Array($0.values) }) {
            state.locked { $0.task?.cancel() }
        }
    }
}
