import AssistantAPI
import Foundation
import JSONCore

/// Executes the local backend's runs: the state machine
/// `queued → in_progress → (requires_action ⇄ queued → in_progress)* → completed | failed |
/// cancelled | expired | incomplete`, with `cancelling` between a cancel and its effect.
/// Every path ends in a terminal status, so a thread is never left locked.
public final class RunExecutor: Sendable {
    public struct Configuration: Sendable {
        /// Runs waiting for tool outputs expire this long after creation.
        public var expirySeconds: Int = 600
        /// Model calls per run before it ends `incomplete` (a model that never stops calling tools).
        public var maxRounds: Int = 16
        /// Identifies this process as the owner of the runs it executes (restart recovery).
        public var owner: String = RunExecutor.processOwner()

        public init(expirySeconds: Int = 600, maxRounds: Int = 16) {
            self.expirySeconds = expirySeconds
            self.maxRounds = maxRounds
        }
    }

    let repository: any RunRepository
    let model: any ChatModel
    let configuration: Configuration
    let states = Locked<[String: RunState]>([:])
    let shuttingDown = Locked(false)

    public init(repository: any RunRepository, model: any ChatModel, configuration: Configuration = Configuration()) {
        self.repository = repository
        self.model = model
        self.configuration = configuration
    }

    public static func processOwner() -> String { "\(getpid())" }

    // MARK: create

    /// Creates a run on an existing thread, or on a new one (createThreadAndRun), and starts it.
    /// With `listen`, the returned stream carries every event from `thread.created` /
    /// `thread.run.created` on.
    public func start(
        threadID existingThreadID: String?, newThread: CreateThreadParams?, options: RunOptions, listen: Bool
    ) throws -> (run: Run, events: AsyncThrowingStream<StreamEvent, any Error>?) {
        let assistant = try repository.assistant(id: options.assistantID)
        let now = Timestamp.now()
        var thread: ThreadObject?
        let threadID: String
        var messages: [Message] = []
        if let newThread {
            let created = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: now, metadata: newThread.metadata)
            thread = created
            threadID = created.id
            messages += newThread.messages.map { Self.message(from: $0, threadID: created.id, at: now) }
        } else {
            threadID = existingThreadID ?? ""
            _ = try repository.thread(id: threadID)
        }
        messages += options.additionalMessages.map { Self.message(from: $0, threadID: threadID, at: now) }

        let tools = options.settings.tools ?? assistant.tools
        try Self.checkToolChoice(options.toolChoice, tools: tools)
        var run = Run(
            id: ObjectID.make(ObjectID.run), createdAt: now, threadID: threadID, assistantID: assistant.id,
            status: .queued, model: options.settings.model ?? assistant.model)
        run.instructions = Self.instructions(
            base: options.settings.instructions ?? assistant.instructions, additional: options.additionalInstructions)
        run.tools = tools.map(\.redacted)
        run.fileIDs = assistant.fileIDs
        run.metadata = options.metadata
        run.temperature = options.settings.temperature ?? assistant.temperature
        run.topP = options.settings.topP ?? assistant.topP
        run.topK = options.settings.topK ?? assistant.topK
        run.maxTokens = options.settings.maxTokens ?? assistant.maxTokens
        run.truncationStrategy = options.truncationStrategy
        run.toolChoice = options.toolChoice
        run.expiresAt = now + Int64(configuration.expirySeconds) * 1000

        let state = RunState(run: run, handleTools: options.handleTools)
        state.toolsForModel = tools
        // Stored, registered and started in one critical section: a cancel that finds the run
        // (in storage or in `states`) waits for the lock and then sees it in_progress with its
        // task, never a queued run that this call would then start anyway.
        let events = try state.locked { state -> AsyncThrowingStream<StreamEvent, any Error>? in
            states.withLock { $0[run.id] = state }
            do {
                try repository.beginRun(run, newThread: thread, messages: messages, owner: configuration.owner)
            } catch {
                states.withLock { $0[run.id] = nil }
                throw error
            }
            let stream = listen ? state.addListener() : nil
            if let thread { emit(state, event(EventName.threadCreated, thread)) }
            emit(state, event(EventName.run("created"), state.run))
            emit(state, event(EventName.run("queued"), state.run))
            if let failure = Self.unsupportedTools(tools, handleTools: options.handleTools) {
                finishRun(state, status: .failed, error: LastError(code: LastError.invalidPrompt, message: failure))
            } else {
                beginTurns(state)
            }
            return stream
        }
        return (state.snapshot, events)
    }

    static func message(from new: NewMessage, threadID: String, at time: Int64) -> Message {
        var message = Message(id: ObjectID.make(ObjectID.message), createdAt: time, threadID: threadID, role: new.role, content: new.content)
        message.fileIDs = new.fileIDs
        message.metadata = new.metadata
        return message
    }

    static func instructions(base: String?, additional: String?) -> String? {
        guard let additional, !additional.isEmpty else { return base }
        guard let base, !base.isEmpty else { return additional }
        return base + "\n\n" + additional
    }

    static func checkToolChoice(_ choice: ToolChoice?, tools: [Tool]) throws {
        if case .function(let name)? = choice, !tools.contains(where: { $0.function?.name == name }) {
            throw APIError.invalid("tool_choice", "names the function \"\(name)\", which is not among the run's tools")
        }
        if choice == .required && tools.isEmpty {
            throw APIError.invalid("tool_choice", "is \"required\" but the run has no tools")
        }
    }

    /// Tool types this engine cannot execute itself: with `handle_tools` they go to the client;
    /// without it, the run fails with a message that says so.
    static func unsupportedTools(_ tools: [Tool], handleTools: Bool) -> String? {
        let foreign = tools.map(\.type).filter { $0 != "function" }
        guard !foreign.isEmpty, !handleTools else { return nil }
        return "The local backend cannot execute tools of type \(foreign.map { "'\($0)'" }.joined(separator: ", ")); "
            + "set handle_tools to answer them from the client, or use the dashscope backend."
    }

    // MARK: events

    func event(_ name: String, _ object: some WireObject) -> StreamEvent {
        do {
            return try StreamEvent(name, object)
        } catch {
            return StreamEvent(event: name, data: .object(["error": .string("\(error)")]))
        }
    }

    /// Only with the state's lock held.
    func emit(_ state: RunState, _ event: StreamEvent) {
        state.emit(event)
    }

    func state(for runID: String) -> RunState? { states.withLock { $0[runID] } }

    /// The state of a run of this thread, loading a paused run from storage if this process
    /// does not hold it (after a restart, or one created by another process).
    func loadState(threadID: String, runID: String) throws -> RunState {
        if let state = state(for: runID) {
            guard state.snapshot.threadID == threadID else { throw APIError.notFound("run", id: runID) }
            return state
        }
        let run = try repository.run(threadID: threadID, runID: runID)
        if run.status.isTerminal { return RunState(run: run, handleTools: false) }  // nothing to hold on to
        return states.withLock { states in
            if let existing = states[runID] { return existing }
            let state = RunState(run: run, handleTools: false)
            states[runID] = state
            return state
        }
    }

    // MARK: ending

    /// Ends the run in a terminal status, closing what its turn left open. Only with the lock held.
    func finishRun(_ state: RunState, status: RunStatus, error: LastError? = nil, incompleteReason: String? = nil) {
        guard !state.run.status.isTerminal else { return }
        let now = Timestamp.now()
        var run = state.run
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
        var closedSteps: [RunStep] = []
        var closedMessage: Message?
        let stepStatus: String
        switch status {
        case .cancelled: stepStatus = "cancelled"
        case .expired: stepStatus = "expired"
        case .completed, .incomplete: stepStatus = "completed"
        default: stepStatus = "failed"
        }
        for var step in state.openSteps where step.status == "in_progress" {
            step.status = stepStatus
            switch stepStatus {
            case "cancelled": step.cancelledAt = now
            case "expired": step.expiredAt = now
            case "completed": step.completedAt = now
            default:
                step.failedAt = now
                step.lastError = error
            }
            closedSteps.append(step)
        }
        if var message = state.openMessage, message.status == "in_progress" {
            message.status = "incomplete"
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
        run.usage = runUsage(runID: run.id, extra: closedSteps)
        do {
            try repository.transaction {
                for step in closedSteps { try repository.updateStep(step) }
                if let closedMessage { try repository.updateMessage(closedMessage) }
                try repository.updateRun(run)
            }
        } catch {
            log("could not store the end of \(run.id): \(error)")
        }
        state.run = run
        state.openSteps = []
        state.openMessage = nil
        if let closedMessage { emit(state, event(EventName.message("incomplete"), closedMessage)) }
        for step in closedSteps { emit(state, event(EventName.step(step.status), step)) }
        emit(state, event(EventName.run(status.rawValue), run))
        state.finishListeners()
        state.task = nil
        states.withLock { $0[run.id] = nil }
    }

    /// The run's usage: the sum of its steps' usage.
    func runUsage(runID: String, extra: [RunStep]) -> Usage {
        var byStep: [String: Usage] = [:]
        for step in (try? repository.steps(runID: runID)) ?? [] { byStep[step.id] = step.usage }
        for step in extra { byStep[step.id] = step.usage }
        return byStep.values.reduce(Usage(promptTokens: 0, completionTokens: 0), +)
    }

    func log(_ message: String) {
        FileHandle.standardError.write(Data("assistd: \(message)\n".utf8))
    }
}
