import AssistantAPI
import AssistdSupport
import Foundation

/// Executes the local backend's runs. Each run in flight here has a `RunDriver` around its
/// `RunMachine` (the statuses and transitions); this type creates and finds them, performs
/// their effects (storage, turn tasks, expiry timers) and drives the model's turns.
public final class RunExecutor: Sendable {
    public struct Configuration: Sendable {
        /// Runs waiting for tool outputs expire this long after creation.
        public var expirySeconds: Int = 600
        /// Model calls per run before it ends `incomplete` (a model that never stops calling tools).
        public var maxRounds: Int = 16
        /// Identifies this process as the owner of the runs it executes (recovery).
        public var owner: RunOwner = .thisProcess()
        /// How often runs of processes that are gone are looked for (besides at start, and
        /// whenever a request finds one holding a thread); 0 turns the sweep off.
        public var sweepSeconds: Double = 5
        /// How long a stream's reader may take nothing while the run waits for it before the
        /// stream is detached (the run then goes on without it).
        public var listenerDetachAfter: Duration = Configuration.defaultListenerDetachAfter
        public static let defaultListenerDetachAfter: Duration = .seconds(30)

        public init(expirySeconds: Int = 600, maxRounds: Int = 16, sweepSeconds: Double = 5) {
            self.expirySeconds = expirySeconds
            self.maxRounds = maxRounds
            self.sweepSeconds = sweepSeconds
        }
    }

    let repository: any RunRepository
    let model: any ChatModel
    let configuration: Configuration
    /// The process's one logger (`--log-file`, `--log-level`).
    let logger: Logger
    let drivers = Locked<[String: RunDriver]>([:])
    let shuttingDown = Locked(false)
    /// Sends turns' waiting text deltas when the model's next chunk does not come first.
    let textFlushes = TextFlushScheduler()

    public init(
        repository: any RunRepository, model: any ChatModel, configuration: Configuration = Configuration(),
        logger: Logger = .disabled
    ) {
        self.repository = repository
        self.model = model
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: create

    /// Creates a run on an existing thread, or on a new one (createThreadAndRun), and starts it.
    /// With `listen`, the returned stream carries every event from `thread.created` /
    /// `thread.run.created` on, a batch per step of the run.
    public func start(
        threadID existingThreadID: String?, newThread: CreateThreadParams?, options: RunOptions, listen: Bool
    ) throws -> (run: Run, events: StreamEventBatches?) {
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

        // Registered before it is stored, and opened after: a cancel that finds the run (in
        // storage or here) waits at the gate, then sees it in_progress with its turn, never a
        // queued run that this call would then start anyway.
        let driver = RunDriver(
            machine: RunMachine(newRun: run, toolsForModel: tools, maxRounds: configuration.maxRounds), gate: .opening,
            listenerDetachAfter: configuration.listenerDetachAfter, performer: self)
        drivers.withLock { $0[run.id] = driver }
        do {
            try beginRun(run, newThread: thread, messages: messages)
        } catch {
            drivers.withLock { $0[run.id] = nil }
            driver.abandon()
            throw error
        }
        let refusal = Self.unsupportedTools(tools, handleTools: options.handleTools)
        return driver.open(listen: listen) { $0.begin(newThread: thread, refusal: refusal, now: Timestamp.now()) }
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

    // MARK: drivers

    func driver(for runID: String) -> RunDriver? { drivers.withLock { $0[runID] } }

    /// The driver of a run of this thread, loading the run from storage if this process does
    /// not hold it (after a restart, or one created by another process), or holds one that
    /// another process has taken over since.
    func driver(threadID: String, runID: String) throws -> RunDriver {
        if let driver = driver(for: runID) {
            guard driver.threadID == threadID else { throw APIError.notFound("run", id: runID) }
            guard isTakenOver(driver) else { return driver }
            drivers.withLock { if $0[runID] === driver { $0[runID] = nil } }
        }
        let run = try repository.run(threadID: threadID, runID: runID)
        let maxRounds = configuration.maxRounds
        if run.status.isTerminal {  // nothing to hold on to
            return RunDriver(machine: RunMachine(stored: run, steps: [], openMessage: nil, maxRounds: maxRounds), performer: self)
        }
        let steps = try repository.steps(runID: runID)
        let openMessage = try steps.first { $0.status == .inProgress }?.stepDetails.messageCreation
            .flatMap { try repository.message(id: $0.messageID) }
        let loaded = RunDriver(
            machine: RunMachine(stored: run, steps: steps, openMessage: openMessage, maxRounds: maxRounds),
            listenerDetachAfter: configuration.listenerDetachAfter, performer: self)
        return drivers.withLock { drivers in
            if let existing = drivers[runID] { return existing }
            drivers[runID] = loaded
            return loaded
        }
    }

}
