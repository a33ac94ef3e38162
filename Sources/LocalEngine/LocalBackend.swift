import AssistantAPI
import AssistdSupport
import JSONCore

/// The embedded backend: the Assistant API implemented over the local `Store`, with runs
/// executed in this process against a chat model. The CRUD methods are in the
/// `LocalBackend+…` files.
public final class LocalBackend: AssistantBackend {
    public let store: Store
    public let info: JSONObject
    let executor: RunExecutor
    /// The process's one logger (`--log-file`, `--log-level`), for everything the engine reports.
    let logger: Logger

    public init(store: Store, model: any ChatModel, configuration: RunExecutor.Configuration = .init(), logger: Logger = .disabled) {
        self.store = store
        self.logger = logger
        var info: JSONObject = ["name": "local", "data_path": .string(store.path), "model": .string(model.displayName)]
        // Structured, so clients need not parse `model`'s text.
        info["model_available"] = .bool(!(model is UnavailableChatModel))
        if let unavailable = model as? UnavailableChatModel { info["model_problem"] = .string(unavailable.reason) }
        self.info = info
        executor = RunExecutor(
            repository: StoreRunRepository(store: store), model: model, configuration: configuration, logger: logger)
        executor.recover()
        do { try store.sweepRunEvents() } catch { logger.error("could not sweep old run events: \(error)") }
        logger.info("local backend: data at \(store.path), model \(model.displayName)")
    }

    /// Opens the store at `location` and serves it.
    public convenience init(
        location: Store.Location, model: any ChatModel, configuration: RunExecutor.Configuration = .init(), logger: Logger = .disabled
    ) throws {
        self.init(store: try Store.open(location: location), model: model, configuration: configuration, logger: logger)
    }

    public func shutdown() async {
        executor.shutdown()
        store.close()
    }

    /// The process ends cleanly: the runs it executes end `cancelled` now (the store stays open
    /// for requests still in flight).
    public func stopRuns() {
        executor.shutdown()
    }

    // MARK: runs

    public func createRun(_ params: CreateRunParams) async throws -> Run {
        try executor.start(threadID: params.threadID, newThread: nil, options: params.options, listen: false).run
    }

    public func streamRun(_ params: CreateRunParams) async throws -> StreamEventBatches {
        try executor.start(threadID: params.threadID, newThread: nil, options: params.options, listen: true).events!
    }

    public func createThreadAndRun(_ params: CreateThreadAndRunParams) async throws -> Run {
        try executor.start(threadID: nil, newThread: params.thread, options: params.options, listen: false).run
    }

    public func streamThreadAndRun(_ params: CreateThreadAndRunParams) async throws -> StreamEventBatches {
        try executor.start(threadID: nil, newThread: params.thread, options: params.options, listen: true).events!
    }

    public func submitToolOutputs(_ params: SubmitToolOutputsParams) async throws -> Run {
        try executor.submitToolOutputs(params, listen: false).run
    }

    public func streamSubmitToolOutputs(_ params: SubmitToolOutputsParams) async throws -> StreamEventBatches {
        try executor.submitToolOutputs(params, listen: true).events!
    }

    public func waitRun(_ params: WaitRunParams) async throws -> Run {
        try await executor.wait(threadID: params.threadID, runID: params.runID, timeoutMs: params.timeoutMs)
    }

    public func cancelRun(threadID: String, runID: String) async throws -> Run {
        try executor.cancel(threadID: threadID, runID: runID)
    }
}
