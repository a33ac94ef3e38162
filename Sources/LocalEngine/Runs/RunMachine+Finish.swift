import AssistantAPI

extension RunMachine {
    /// Ends the run in a terminal status, closing the step and message its turn left open;
    /// nothing if it has ended already.
    mutating func finish(_ status: RunStatus, error: LastError? = nil, incompleteReason: String? = nil, now: Int64) -> [RunEffect] {
        guard !run.status.isTerminal else { return [] }
        run.status = status
        run.requiredAction = nil
        run.lastError = error
        switch status {
        case .completed: run.completedAt = now
        case .failed: run.failedAt = now
        case .cancelled: run.cancelledAt = now
        case .incomplete: run.incompleteDetails = IncompleteDetails(reason: incompleteReason)
        default: break
        }
        let stepStatus: RunStepStatus
        switch status {
        case .cancelled: stepStatus = .cancelled
        case .expired: stepStatus = .expired
        case .completed, .incomplete: stepStatus = .completed
        default: stepStatus = .failed
        }
        var closedSteps: [RunStep] = []
        for var step in openSteps where step.status == .inProgress {
            step.status = stepStatus
            switch stepStatus {
            case .cancelled: step.cancelledAt = now
            case .expired: step.expiredAt = now
            case .completed: step.completedAt = now
            default:
                step.failedAt = now
                step.lastError = error
            }
            stepUsage[step.id] = step.usage
            closedSteps.append(step)
        }
        var closedMessage: Message?
        var unsent: [RunEffect] = []
        if var message = openMessage, message.status == .inProgress {
            unsent = takeUnsentDeltas()
            message.content = [.text(replyText)]
            message.status = .incomplete
            message.incompleteAt = now
            let reason: String
            switch status {
            case .cancelled: reason = "run_cancelled"
            case .expired: reason = "run_expired"
            case .incomplete: reason = incompleteReason ?? "max_tokens"
            default: reason = "run_failed"
            }
            message.incompleteDetails = IncompleteDetails(reason: reason)
            closedMessage = message
        }
        run.usage = stepUsage.values.reduce(Usage(promptTokens: 0, completionTokens: 0), +)
        openSteps = []
        openMessage = nil
        replyText = ""
        unsentDeltas = []
        turnRunning = false

        var writes = closedSteps.map(RunWrite.updateStep)
        if let closedMessage { writes.append(.updateMessage(closedMessage)) }
        writes.append(.updateRun(run))
        // The message's text (written above) holds the deltas not sent yet: they go out now.
        var effects: [RunEffect] = [.persist(writes)] + unsent
        if let closedMessage { effects.append(.emit(Self.event(EventName.message("incomplete"), closedMessage))) }
        for step in closedSteps { effects.append(.emit(Self.event(EventName.step(step.status.rawValue), step))) }
        effects.append(.emit(Self.event(EventName.run(status.rawValue), run)))
        return effects + [.endListeners, .release]
    }
}
