import AssistantAPI

/// What a `RunMachine` transition asks its driver to do, in order, once the lock is released.
enum RunEffect: Sendable {
    /// Writes these rows in one transaction.
    case persist([RunWrite])
    /// Sends the event to every listener.
    case emit(StreamEvent)
    /// Starts the task that calls the model (it drives the turn's transitions).
    case startTurn
    /// Cancels the running turn's task.
    case cancelTurn
    /// Expires the run at this time (milliseconds) if it is still waiting for tool outputs.
    case scheduleExpiry(at: Int64)
    /// The run paused or ended: every listener gets `done` and its stream finishes.
    case endListeners
    /// The run ended: the executor forgets it.
    case release
    /// Queued by the driver, never by the machine: a listener joins at this point of the
    /// event order, so it gets exactly the events of the transitions after it.
    case attach(RunListeners.Listener)
}

/// One row write of a `.persist` effect.
enum RunWrite: Sendable, Equatable {
    case insertStep(RunStep)
    case updateStep(RunStep)
    case insertMessage(Message)
    case updateMessage(Message)
    /// Only the text of the (open) message changed: stores its content.
    case updateMessageText(Message)
    case updateRun(Run)
    /// Records this process as the one executing the run (recovery).
    case claimRun(runID: String, owner: RunOwner)
}

extension RunEffect {
    /// Writes rows or logs an event (`RunExecutor` groups these into one transaction).
    var touchesStore: Bool {
        switch self {
        case .persist, .emit: return true
        default: return false
        }
    }
}
