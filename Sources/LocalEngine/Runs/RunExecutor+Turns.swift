import AssistantAPI
import Foundation
import JSONCore

extension RunExecutor {
    enum TurnOutcome {
        case finished(FinishReason)
        case requiresAction
    }

    /// Moves the queued run to `in_progress` and starts the task that calls the model until the
    /// run pauses or ends. Only with the lock held, in the same critical section that queued it.
    func beginTurns(_ state: RunState) {
        guard state.run.status == .queued else { return }
        var run = state.run
        run.status = .inProgress
        if run.startedAt == nil { run.startedAt = Timestamp.now() }
        run.requiredAction = nil
        store(run: run, in: state)
        emit(state, event(EventName.run("in_progress"), run))
        state.task = Task.detached { [self] in await self.driveTurns(state) }
    }

    /// Only with the lock held.
    func store(run: Run, in state: RunState) {
        do { try repository.updateRun(run) } catch { log("could not store \(run.id): \(error)") }
        state.run = run
    }

    func driveTurns(_ state: RunState) async {
        do {
            while true {
                try Task.checkCancellation()
                let rounds = try repository.steps(runID: state.snapshot.id).filter { $0.type == RunStep.toolCalls }.count
                if rounds >= configuration.maxRounds {
                    finishTurns(state, status: .incomplete, incompleteReason: "max_rounds")
                    return
                }
                switch try await runTurn(state) {
                case .requiresAction:
                    return
                case .finished(.length):
                    finishTurns(state, status: .incomplete, incompleteReason: "max_tokens")
                    return
                case .finished(.contentFilter):
                    finishTurns(state, status: .incomplete, incompleteReason: "content_filter")
                    return
                case .finished:
                    finishTurns(state, status: .completed)
                    return
                }
            }
        } catch {
            if shuttingDown.withLock({ $0 }) { return }  // left for restart recovery
            state.locked { state in
                if state.cancelRequested || error is CancellationError {
                    finishRun(state, status: .cancelled)
                } else if let modelError = error as? ChatModelError {
                    finishRun(state, status: .failed, error: LastError(code: modelError.lastErrorCode, message: modelError.message))
                } else {
                    finishRun(state, status: .failed, error: LastError(code: LastError.serverError, message: "\(error)"))
                }
            }
        }
    }

    /// Ends the run as its last turn says, unless a cancel arrived after that turn's last check:
    /// a `cancelling` run ends `cancelled`, as the state machine promises.
    func finishTurns(_ state: RunState, status: RunStatus, incompleteReason: String? = nil) {
        state.locked { state in
            if state.cancelRequested {
                finishRun(state, status: .cancelled)
            } else {
                finishRun(state, status: status, incompleteReason: incompleteReason)
            }
        }
    }

    func chatRequest(for state: RunState) throws -> ChatRequest {
        let run = state.snapshot
        // Every message costs at least PromptBuilder.minimumMessageTokens, so no more than this
        // many can fit the context; last_messages needs at most its count.
        var limit = max(1, model.contextTokens / PromptBuilder.minimumMessageTokens)
        if run.truncationStrategy?.type == "last_messages", let keep = run.truncationStrategy?.lastMessages { limit = min(limit, keep) }
        let messages = try repository.recentThreadMessages(threadID: run.threadID, limit: limit)
        let toolSteps = try repository.threadToolSteps(threadID: run.threadID, since: messages.first?.createdAt ?? 0)
        let builder = PromptBuilder(contextTokens: model.contextTokens)
        let prompt = builder.build(
            instructions: run.instructions, messages: messages, toolSteps: toolSteps,
            truncation: run.truncationStrategy, reserveForOutput: run.maxTokens ?? min(1024, model.contextTokens / 4))
        var functions: [FunctionDefinition] = []
        for tool in state.locked({ $0.toolsForModel }) {
            if let function = tool.function {
                functions.append(function)
            } else if !tool.type.isEmpty {
                // A built-in the client answers (handle_tools): offered to the model as a function.
                functions.append(FunctionDefinition(
                    name: tool.type, description: "The \(tool.type) tool.",
                    parameters: ["type": "object", "properties": ["input": ["type": "string"]], "required": ["input"]]))
            }
        }
        return ChatRequest(
            model: run.model, messages: prompt, tools: functions, toolChoice: functions.isEmpty ? nil : run.toolChoice,
            temperature: run.temperature, topP: run.topP, topK: run.topK, maxTokens: run.maxTokens)
    }

    /// One model call: streams text into an assistant message, collects tool calls, and ends
    /// in `requires_action` when the model called tools.
    func runTurn(_ state: RunState) async throws -> TurnOutcome {
        let request = try chatRequest(for: state)
        var text = ""
        var toolCalls: [ChatToolCall] = []
        var usage: Usage?
        var finish: FinishReason = .stop
        let stream = model.streamTurn(request)
        for try await chunk in stream {
            switch chunk {
            case .text(let delta):
                guard !delta.isEmpty else { continue }
                try state.locked { state in
                    if state.cancelRequested { throw CancellationError() }
                    if state.openMessage == nil { try openMessage(state) }
                    text += delta
                    emit(state, event(EventName.message("delta"), MessageDelta(messageID: state.openMessage!.id, text: delta)))
                }
            case .toolCall(let call):
                toolCalls.append(call)
            case .usage(let prompt, let completion):
                usage = Usage(promptTokens: prompt, completionTokens: completion)
            case .finish(let reason):
                finish = reason
            }
        }
        try Task.checkCancellation()
        let turnUsage = usage ?? Usage(
            promptTokens: request.messages.reduce(0) { $0 + PromptBuilder.estimateTokens($1.content) },
            completionTokens: PromptBuilder.estimateTokens(text))
        return try state.locked { state -> TurnOutcome in
            if state.cancelRequested { throw CancellationError() }
            if state.openMessage != nil {
                closeMessage(state, text: text, usage: toolCalls.isEmpty ? turnUsage : Usage(promptTokens: 0, completionTokens: 0),
                             truncated: finish == .length && toolCalls.isEmpty)
            }
            if toolCalls.isEmpty { return .finished(finish) }
            requireAction(state, calls: toolCalls, usage: turnUsage)
            return .requiresAction
        }
    }

    /// Creates the assistant message and its `message_creation` step. Only with the lock held.
    func openMessage(_ state: RunState) throws {
        let run = state.run
        let now = Timestamp.now()
        var message = Message(id: ObjectID.make(ObjectID.message), createdAt: now, threadID: run.threadID, role: "assistant", content: [])
        message.assistantID = run.assistantID
        message.runID = run.id
        message.status = "in_progress"
        message.fileIDs = []
        let step = RunStep(
            id: ObjectID.make(ObjectID.step), createdAt: now, assistantID: run.assistantID, threadID: run.threadID,
            runID: run.id, details: .messageCreation(messageID: message.id))
        try repository.transaction {
            try repository.insertStep(step)
            try repository.insertMessage(message)
        }
        state.openMessage = message
        state.openSteps.append(step)
        emit(state, event(EventName.step("created"), step))
        emit(state, event(EventName.step("in_progress"), step))
        emit(state, event(EventName.message("created"), message))
        emit(state, event(EventName.message("in_progress"), message))
    }

    /// Completes the open message and its step. Only with the lock held.
    func closeMessage(_ state: RunState, text: String, usage: Usage, truncated: Bool) {
        guard var message = state.openMessage else { return }
        let now = Timestamp.now()
        message.content = [.text(text)]
        if truncated {
            message.status = "incomplete"
            message.incompleteAt = now
            message.incompleteDetails = IncompleteDetails(reason: "max_tokens")
        } else {
            message.status = "completed"
            message.completedAt = now
        }
        var step = state.openSteps.first { $0.stepDetails.messageCreation?.messageID == message.id }
        step?.status = "completed"
        step?.completedAt = now
        step?.usage = usage
        do {
            try repository.transaction {
                try repository.updateMessage(message)
                if let step { try repository.updateStep(step) }
            }
        } catch {
            log("could not store \(message.id): \(error)")
        }
        // The service ends a message's deltas with an empty one.
        emit(state, event(EventName.message("delta"), MessageDelta(messageID: message.id, text: "")))
        emit(state, event(EventName.message(truncated ? "incomplete" : "completed"), message))
        if let step { emit(state, event(EventName.step("completed"), step)) }
        state.openMessage = nil
        state.openSteps.removeAll { $0.id == step?.id }
    }

    /// Records the tool calls in a `tool_calls` step and pauses the run. Only with the lock held.
    func requireAction(_ state: RunState, calls: [ChatToolCall], usage: Usage) {
        var run = state.run
        let now = Timestamp.now()
        let functionNames = Set(state.toolsForModel.compactMap { $0.function?.name })
        let toolCalls = calls.map { call -> ToolCall in
            // A built-in offered as a function keeps its own type and shape, as the service writes it.
            functionNames.contains(call.name)
                ? ToolCall(id: call.id, function: FunctionCall(name: call.name, arguments: call.arguments))
                : ToolCall(id: call.id, builtinType: call.name, arguments: call.arguments)
        }
        var step = RunStep(
            id: ObjectID.make(ObjectID.step), createdAt: now, assistantID: run.assistantID, threadID: run.threadID,
            runID: run.id, details: .toolCalls(toolCalls))
        step.usage = usage
        run.status = .requiresAction
        run.requiredAction = RequiredAction(toolCalls: toolCalls.map { call in
            var pending = call
            pending.output = nil
            return pending
        })
        do {
            try repository.transaction {
                try repository.insertStep(step)
                try repository.updateRun(run)
            }
        } catch {
            log("could not store \(run.id): \(error)")
        }
        state.run = run
        state.openSteps = [step]
        state.task = nil
        emit(state, event(EventName.step("created"), step))
        emit(state, event(EventName.step("in_progress"), step))
        emit(state, StreamEvent(event: EventName.step("delta"), data: [
            "id": .string(step.id), "object": "thread.run.step.delta",
            "delta": ["step_details": ["type": "tool_calls", "tool_calls": (try? JSONValue(encoding: toolCalls)) ?? []]],
        ]))
        emit(state, event(EventName.run("requires_action"), run))
        state.finishListeners()
        scheduleExpiry(runID: run.id, threadID: run.threadID, at: run.expiresAt)
    }

    func scheduleExpiry(runID: String, threadID: String, at expiresAt: Int64?) {
        guard let expiresAt else { return }
        Task.detached { [self] in
            let wait = max(0, expiresAt - Timestamp.now())
            try? await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000)
            self.expireIfWaiting(threadID: threadID, runID: runID)
        }
    }

    func expireIfWaiting(threadID: String, runID: String) {
        guard let state = try? loadState(threadID: threadID, runID: runID) else { return }
        state.locked { state in
            guard state.run.status == .requiresAction, let expiresAt = state.run.expiresAt, expiresAt <= Timestamp.now() else { return }
            if state.openSteps.isEmpty, let pending = try? repository.steps(runID: runID).last(where: { $0.status == "in_progress" }) {
                state.openSteps = [pending]
            }
            finishRun(state, status: .expired)
        }
    }
}
