import AssistantAPI
import JSONCore

/// The transitions a turn task drives: text as it streams, then the turn's end.
extension RunMachine {
    /// Text from the model: opens the assistant message on the first text. Deltas go out in
    /// batches (`flushText`): at once when the last batch left a window ago or more or
    /// `textBatchMaxDeltas` wait, else with the next batch (the turn flushes a waiting batch
    /// within the window). Throws `CancellationError`, changing nothing, once the run is no
    /// longer running (a cancel arrived), which ends the turn.
    mutating func textDelta(_ delta: String, now: Int64) throws -> [RunEffect] {
        guard !cancelRequested, run.status == .inProgress else { throw CancellationError() }
        var effects: [RunEffect] = []
        if openMessage == nil { effects = openMessage(now: now) }
        replyText += delta
        unsentDeltas.append(delta)
        if now - lastTextFlushAt >= Self.textBatchWindow(forTextLength: replyText.utf8.count)
            || unsentDeltas.count >= Self.textBatchMaxDeltas
        {
            effects += flushText(now: now)
        }
        return effects
    }

    /// Stores the open message's text so far, then sends the deltas not sent yet: the write
    /// comes first (the driver performs effects in order), so whatever a client received
    /// survives a crash of this process.
    mutating func flushText(now: Int64) -> [RunEffect] {
        guard var message = openMessage, !unsentDeltas.isEmpty else { return [] }
        message.content = [.text(replyText)]
        openMessage = message
        lastTextFlushAt = now
        return [.persist([.updateMessageText(message)])] + takeUnsentDeltas()
    }

    /// The deltas not sent yet, as events (the caller stores their text first); none remain.
    mutating func takeUnsentDeltas() -> [RunEffect] {
        let messageID = openMessage?.id ?? ""
        let effects = unsentDeltas.map { RunEffect.emit(Self.deltaEvent(messageID: messageID, text: $0)) }
        unsentDeltas = []
        return effects
    }

    /// The model call ended: closes the message, then pauses for the tool calls or ends the
    /// run as `finish` says. `usage` is the model's count, if it gave one; without it, the
    /// prompt's `promptTokensEstimate` and an estimate of the reply are used.
    mutating func endTurn(
        toolCalls: [ChatToolCall], usage: Usage?, promptTokensEstimate: Int, finish reason: FinishReason, now: Int64
    ) -> [RunEffect] {
        if cancelRequested { return finish(.cancelled, now: now) }
        guard run.status == .inProgress else { return [] }
        let turnUsage = usage ?? Usage(promptTokens: promptTokensEstimate, completionTokens: PromptBuilder.estimateTokens(replyText))
        var effects: [RunEffect] = []
        if openMessage != nil {
            effects = closeMessage(
                usage: toolCalls.isEmpty ? turnUsage : Usage(promptTokens: 0, completionTokens: 0),
                truncated: reason == .length && toolCalls.isEmpty, now: now)
        }
        if !toolCalls.isEmpty { return effects + requireAction(toolCalls, usage: turnUsage, now: now) }
        switch reason {
        case .length: return effects + finish(.incomplete, incompleteReason: "max_tokens", now: now)
        case .contentFilter: return effects + finish(.incomplete, incompleteReason: "content_filter", now: now)
        case .stop, .toolCalls: return effects + finish(.completed, now: now)
        }
    }

    /// The turn stopped with `error`: cancelled (a cancel, or the task was cancelled), or
    /// failed with the model's error code.
    mutating func turnFailed(_ error: any Error, now: Int64) -> [RunEffect] {
        if cancelRequested || error is CancellationError { return finish(.cancelled, now: now) }
        if let modelError = error as? ChatModelError {
            return finish(.failed, error: LastError(code: modelError.lastErrorCode, message: modelError.message), now: now)
        }
        return finish(.failed, error: LastError(code: LastError.serverError, message: "\(error)"), now: now)
    }

    /// Creates the assistant message and its `message_creation` step.
    private mutating func openMessage(now: Int64) -> [RunEffect] {
        var message = Message(id: ObjectID.make(ObjectID.message), createdAt: now, threadID: run.threadID, role: "assistant", content: [])
        message.assistantID = run.assistantID
        message.runID = run.id
        message.status = .inProgress
        message.fileIDs = []
        let step = RunStep(
            id: ObjectID.make(ObjectID.step), createdAt: now, assistantID: run.assistantID, threadID: run.threadID,
            runID: run.id, details: .messageCreation(messageID: message.id))
        openMessage = message
        replyText = ""
        openSteps.append(step)
        return [
            .persist([.insertStep(step), .insertMessage(message)]),
            .emit(Self.event(EventName.step("created"), step)),
            .emit(Self.event(EventName.step("in_progress"), step)),
            .emit(Self.event(EventName.message("created"), message)),
            .emit(Self.event(EventName.message("in_progress"), message)),
        ]
    }

    /// Completes the open message (or ends it `incomplete` when the model ran out of tokens)
    /// and its step.
    private mutating func closeMessage(usage: Usage, truncated: Bool, now: Int64) -> [RunEffect] {
        guard var message = openMessage else { return [] }
        message.content = [.text(replyText)]
        if truncated {
            message.status = .incomplete
            message.incompleteAt = now
            message.incompleteDetails = IncompleteDetails(reason: "max_tokens")
        } else {
            message.status = .completed
            message.completedAt = now
        }
        let unsent = takeUnsentDeltas()
        var step = openSteps.first { $0.stepDetails.messageCreation?.messageID == message.id }
        step?.status = .completed
        step?.completedAt = now
        step?.usage = usage
        openMessage = nil
        replyText = ""
        var writes: [RunWrite] = [.updateMessage(message)]
        var effects: [RunEffect] = [
            // The service ends a message's deltas with an empty one.
            .emit(Self.deltaEvent(messageID: message.id, text: "")),
            .emit(Self.event(EventName.message(truncated ? "incomplete" : "completed"), message)),
        ]
        if let step {
            openSteps.removeAll { $0.id == step.id }
            stepUsage[step.id] = usage
            writes.append(.updateStep(step))
            effects.append(.emit(Self.event(EventName.step("completed"), step)))
        }
        return [.persist(writes)] + unsent + effects
    }

    /// Records the tool calls in a `tool_calls` step and pauses the run.
    private mutating func requireAction(_ calls: [ChatToolCall], usage: Usage, now: Int64) -> [RunEffect] {
        let functionNames = Set(toolsForModel.compactMap { $0.function?.name })
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
        openSteps = [step]
        stepUsage[step.id] = usage
        toolRounds += 1
        turnRunning = false
        var effects: [RunEffect] = [
            .persist([.insertStep(step), .updateRun(run)]),
            .emit(Self.event(EventName.step("created"), step)),
            .emit(Self.event(EventName.step("in_progress"), step)),
            .emit(StreamEvent(event: EventName.step("delta"), data: [
                "id": .string(step.id), "object": "thread.run.step.delta",
                "delta": ["step_details": ["type": "tool_calls", "tool_calls": (try? JSONValue(encoding: toolCalls)) ?? []]],
            ])),
            .emit(Self.event(EventName.run("requires_action"), run)),
            .endListeners,
        ]
        if let expiresAt = run.expiresAt { effects.append(.scheduleExpiry(at: expiresAt)) }
        return effects
    }
}

extension RunMachine {
    /// A `thread.message.delta` event with the text: `MessageDelta(messageID:text:)`'s wire
    /// JSON, built directly (the most frequent event; `Codable` took most of its cost).
    static func deltaEvent(messageID: String, text: String) -> StreamEvent {
        let part: JSONValue = [
            "index": 0, "type": "text", "text": ["value": .string(text), "annotations": []],
        ]
        return StreamEvent(event: EventName.message("delta"), data: [
            "id": .string(messageID), "object": "thread.message.delta",
            "delta": ["role": "assistant", "content": [part], "file_ids": []],
        ])
    }
}
