import AssistantAPI

/// One run's live state as a value, and its transitions. A transition changes the state and
/// returns the effects that make the change real (rows to write, events to send, a turn to
/// start or cancel, …); it performs none itself, so it touches no storage, stream or task and
/// can be tested alone. `RunDriver` runs transitions under its lock and performs the effects
/// after releasing it.
///
/// The run's statuses: `queued → in_progress → (requires_action ⇄ queued → in_progress)* →
/// completed | failed | cancelled | expired | incomplete`, with `cancelling` between a cancel
/// and its effect on a running turn. Every path ends in a terminal status, so a thread is never
/// left locked.
///
/// Its fields change only in its transitions (in this file and its extensions).
struct RunMachine {
    var run: Run
    /// The assistant message the running turn writes, from its first text on.
    var openMessage: Message?
    /// The text of `openMessage` so far (stored up to the last `flushText`).
    var replyText = ""
    /// Deltas in `replyText` not stored and sent yet (the batch `flushText` sends).
    var unsentDeltas: [String] = []
    /// When the last batch of deltas was stored and sent (milliseconds).
    var lastTextFlushAt: Int64 = .min / 2
    /// A batch of deltas waits at most this long (the turn flushes it) …
    static let textBatchWindowMs: Int64 = 20

    /// … or, for a long text, 1 ms more per 16 KiB stored: each batch rewrites the whole text,
    /// so a megabyte streamed as fast as it comes costs tens of writes, not thousands.
    static func textBatchWindow(forTextLength length: Int) -> Int64 {
        textBatchWindowMs + Int64(length >> 14)
    }

    /// A batch goes out at once when it holds this many deltas: a burst stays far below what a
    /// listener may hold beyond its back-pressure mark (`ListenerBuffer.hardLimit`).
    static let textBatchMaxDeltas = 64
    /// Steps not yet ended: the open message's step, or the `tool_calls` step awaiting outputs.
    var openSteps: [RunStep]
    /// A cancel arrived while a turn ran: the turn ends the run `cancelled` when it notices.
    var cancelRequested = false
    /// The shell runs a turn task for this run (from `.startTurn` until the turn's last transition).
    var turnRunning = false
    /// The run's tools as given (plugin secrets included: they never leave memory).
    let toolsForModel: [Tool]
    /// Model calls per run before it ends `incomplete`.
    let maxRounds: Int
    /// Every step's usage, by step id: the run's usage is their sum.
    var stepUsage: [String: Usage]
    /// `tool_calls` steps so far (model rounds that called tools).
    var toolRounds: Int

    /// A run just stored as `queued`; `begin` announces and starts it.
    init(newRun run: Run, toolsForModel: [Tool], maxRounds: Int) {
        self.run = run
        self.toolsForModel = toolsForModel
        self.maxRounds = maxRounds
        openSteps = []
        stepUsage = [:]
        toolRounds = 0
    }

    /// A run as storage has it (after a restart, or one another process created): `steps` are
    /// all its steps, `openMessage` the message of its unfinished `message_creation` step.
    init(stored run: Run, steps: [RunStep], openMessage: Message?, maxRounds: Int) {
        self.run = run
        self.openMessage = openMessage?.status == .inProgress ? openMessage : nil
        replyText = self.openMessage?.text ?? ""
        toolsForModel = run.tools
        self.maxRounds = maxRounds
        openSteps = steps.filter { $0.status == .inProgress }
        stepUsage = [:]
        for step in steps { stepUsage[step.id] = step.usage }
        toolRounds = steps.filter { $0.type == RunStep.toolCalls }.count
    }

    // MARK: starting

    /// Announces the stored run and starts its first turn, or fails it at once with `refusal`
    /// (tools this engine cannot execute).
    mutating func begin(newThread: ThreadObject?, refusal: String?, now: Int64) -> [RunEffect] {
        var effects: [RunEffect] = []
        if let newThread { effects.append(.emit(Self.event(EventName.threadCreated, newThread))) }
        effects.append(.emit(Self.event(EventName.run("created"), run)))
        effects.append(.emit(Self.event(EventName.run("queued"), run)))
        if let refusal {
            return effects + finish(.failed, error: LastError(code: LastError.invalidPrompt, message: refusal), now: now)
        }
        return effects + startTurns(now: now)
    }

    /// Moves the queued run to `in_progress` and starts a turn, or ends the run `incomplete`
    /// when it has used up its rounds.
    private mutating func startTurns(now: Int64) -> [RunEffect] {
        guard run.status == .queued else { return [] }
        run.status = .inProgress
        if run.startedAt == nil { run.startedAt = now }
        run.requiredAction = nil
        let effects: [RunEffect] = [.persist([.updateRun(run)]), .emit(Self.event(EventName.run("in_progress"), run))]
        if toolRounds >= maxRounds {
            return effects + finish(.incomplete, incompleteReason: "max_rounds", now: now)
        }
        turnRunning = true
        return effects + [.startTurn]
    }

    // MARK: tool outputs

    /// Records the outputs for the pending tool calls (all of them, at once) and resumes the
    /// run. Throws, changing nothing, when the run is not waiting or the outputs do not match.
    mutating func submit(_ outputs: [ToolOutput], owner: RunOwner, now: Int64) throws -> [RunEffect] {
        guard run.status == .requiresAction, let pending = run.requiredAction?.submitToolOutputs?.toolCalls else {
            throw APIError(
                .conflictingState,
                "Run \(run.id) is not waiting for tool outputs (its status is \(run.status)).",
                statusCode: 400, code: "InvalidRequest", details: ["run_id": .string(run.id), "status": .string(run.status.rawValue)])
        }
        let matched = try Self.match(outputs, to: pending)
        guard var step = openSteps.first(where: { $0.type == RunStep.toolCalls }) else {
            throw APIError(.upstreamFailure, "The tool_calls step of \(run.id) is missing.")
        }
        var calls = step.stepDetails.toolCalls ?? []
        for index in calls.indices { calls[index].output = matched[index] }
        step.stepDetails = .toolCalls(calls)
        step.status = .completed
        step.completedAt = now
        run.status = .queued
        run.requiredAction = nil
        openSteps = []
        let effects: [RunEffect] = [
            .persist([.updateStep(step), .updateRun(run), .claimRun(runID: run.id, owner: owner)]),
            .emit(Self.event(EventName.step("completed"), step)),
            .emit(Self.event(EventName.run("queued"), run)),
        ]
        // In the same transition as the move to queued: a cancel cannot end the run in between
        // and see it restarted.
        return effects + startTurns(now: now)
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

    // MARK: cancel, expiry, restart

    /// Cancels from any non-terminal status; idempotent. A running turn is asked to stop (the
    /// run is `cancelling` until it does); anything else ends `cancelled` now.
    mutating func cancel(now: Int64) -> [RunEffect] {
        switch run.status {
        case let status where status.isTerminal:
            return []
        case .inProgress where turnRunning:
            cancelRequested = true
            run.status = .cancelling
            return [.persist([.updateRun(run)]), .emit(Self.event(EventName.run("cancelling"), run)), .cancelTurn]
        case .cancelling where turnRunning:
            return []
        default:
            // requires_action, queued, or a run no turn of this process executes.
            return finish(.cancelled, now: now)
        }
    }

    /// This process is ending cleanly (end of input, `exit`): a run whose turn it executes ends
    /// `cancelled` now, its message `incomplete` with the text streamed so far. Runs paused for
    /// tool outputs are left alone (any process may resume them).
    mutating func stopForExit(now: Int64) -> [RunEffect] {
        guard turnRunning, !run.status.isTerminal else { return [] }
        cancelRequested = true
        return [.cancelTurn] + finish(.cancelled, now: now)
    }

    /// Ends a run that waited for tool outputs past its expiry.
    mutating func expire(now: Int64) -> [RunEffect] {
        guard run.status == .requiresAction, let expiresAt = run.expiresAt, expiresAt <= now else { return [] }
        return finish(.expired, now: now)
    }

    /// Ends a run whose process stopped while it was queued, in progress or cancelling.
    mutating func abandon(now: Int64) -> [RunEffect] {
        if run.status == .cancelling { return finish(.cancelled, now: now) }
        return finish(.failed, error: LastError(
            code: LastError.serverError, message: "assistd stopped while this run was \(run.status); it was not resumed."), now: now)
    }

    /// The run is paused for tool outputs or has ended: nothing happens until a client acts.
    var isSettled: Bool { Self.isSettled(run.status) }

    static func isSettled(_ status: RunStatus) -> Bool { status.isTerminal || status == .requiresAction }

    static func event(_ name: String, _ object: some WireObject) -> StreamEvent {
        do {
            return try StreamEvent(name, object)
        } catch {
            return StreamEvent(event: name, data: .object(["error": .string("\(error)")]))
        }
    }
}
