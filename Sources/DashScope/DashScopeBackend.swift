import AssistantAPI
import Foundation
import JSONCore

/// The hosted Assistant API behind `AssistantBackend`: every method is one call of the
/// service's REST API (protocol/hosted-service.md §4), with the request the official SDK would send
/// and the answer decoded into the shared objects. Streams pass the service's events through
/// as they arrive.
public final class DashScopeBackend: AssistantBackend {
    public let configuration: DashScopeConfiguration
    /// The service's client, noting in `threadIndex` each thread a call succeeded on.
    let client: ThreadIndexingClient
    /// The threads this data dir has seen, for `threads/list`.
    public var threadIndex: HostedThreadIndex { client.index }

    public init(
        configuration: DashScopeConfiguration, log: DashScopeLog? = nil,
        threadIndex: HostedThreadIndex = HostedThreadIndex(directory: nil)
    ) {
        self.configuration = configuration
        client = ThreadIndexingClient(
            client: DashScopeClient(configuration: configuration, log: log), index: threadIndex,
            service: HostedThreadIndex.service(of: configuration))
    }

    public var info: JSONObject {
        [
            "name": "dashscope",
            "base_url": .string(configuration.baseURL),
            "workspace": configuration.workspace.map { .string($0) } ?? .null,
        ]
    }

    // MARK: assistants

    public func createAssistant(_ params: CreateAssistantParams) async throws -> Assistant {
        try await client.call(.post("assistants", body: RequestBody.createAssistant(params)), as: Assistant.self)
    }

    public func listAssistants(_ params: ListParams) async throws -> ListPage<Assistant> {
        try await client.call(.get("assistants", query: Endpoint.listQuery(params)), as: ListPage<Assistant>.self)
    }

    public func retrieveAssistant(id: String) async throws -> Assistant {
        try await client.call(.get("assistants", id), as: Assistant.self)
    }

    public func updateAssistant(_ params: UpdateAssistantParams) async throws -> Assistant {
        try await client.call(
            .post("assistants", params.assistantID, body: RequestBody.updateAssistant(params)), as: Assistant.self)
    }

    public func deleteAssistant(id: String) async throws -> DeletionStatus {
        try await client.call(.delete("assistants", id), as: DeletionStatus.self)
    }

    // MARK: assistant files

    public func createAssistantFile(_ params: AssistantFileParams) async throws -> AssistantFile {
        try await client.call(
            .post("assistants", params.assistantID, "files", body: ["file_id": .string(params.fileID)]),
            as: AssistantFile.self)
    }

    public func listAssistantFiles(assistantID: String, _ list: ListParams) async throws -> ListPage<AssistantFile> {
        try await client.call(
            .get("assistants", assistantID, "files", query: Endpoint.listQuery(list)), as: ListPage<AssistantFile>.self)
    }

    public func retrieveAssistantFile(_ params: AssistantFileParams) async throws -> AssistantFile {
        try await client.call(.get("assistants", params.assistantID, "files", params.fileID), as: AssistantFile.self)
    }

    public func deleteAssistantFile(_ params: AssistantFileParams) async throws -> DeletionStatus {
        try await client.call(.delete("assistants", params.assistantID, "files", params.fileID), as: DeletionStatus.self)
    }

    // MARK: threads

    public func createThread(_ params: CreateThreadParams) async throws -> ThreadObject {
        try await client.call(.post("threads", body: RequestBody.createThread(params)), as: ThreadObject.self)
    }

    public func retrieveThread(id: String) async throws -> ThreadObject {
        try await client.call(.get("threads", id), as: ThreadObject.self)
    }

    public func updateThread(id: String, metadata: [String: String]?, raw: JSONObject) async throws -> ThreadObject {
        try await client.call(
            .post("threads", id, body: RequestBody.updateMetadata(raw, pathKeys: ["thread_id"])), as: ThreadObject.self)
    }

    public func deleteThread(id: String) async throws -> DeletionStatus {
        try await client.call(.delete("threads", id), as: DeletionStatus.self)
    }

    /// The service lists no threads: these are the ones this data dir has seen (`HostedThreadIndex`).
    public func listThreads(_ params: ListThreadsParams) async throws -> ListPage<ThreadObject> {
        try client.index.list(params, service: client.service)
    }

    // MARK: messages

    public func createMessage(_ params: CreateMessageParams) async throws -> Message {
        try await client.call(
            .post("threads", params.threadID, "messages", body: RequestBody.createMessage(params)), as: Message.self)
    }

    public func listMessages(_ params: ListMessagesParams) async throws -> ListPage<Message> {
        let query = Endpoint.listQuery(params.list, extra: params.runID.map { [("run_id", $0)] } ?? [])
        return try await client.call(.get("threads", params.threadID, "messages", query: query), as: ListPage<Message>.self)
    }

    public func retrieveMessage(threadID: String, messageID: String) async throws -> Message {
        try await client.call(.get("threads", threadID, "messages", messageID), as: Message.self)
    }

    public func updateMessage(threadID: String, messageID: String, metadata: [String: String]?, raw: JSONObject) async throws -> Message {
        try await client.call(
            .post("threads", threadID, "messages", messageID, body: RequestBody.updateMetadata(raw, pathKeys: ["thread_id", "message_id"])),
            as: Message.self)
    }

    public func listMessageFiles(threadID: String, messageID: String, _ list: ListParams) async throws -> ListPage<MessageFile> {
        try await client.call(
            .get("threads", threadID, "messages", messageID, "files", query: Endpoint.listQuery(list)),
            as: ListPage<MessageFile>.self)
    }

    public func retrieveMessageFile(threadID: String, messageID: String, fileID: String) async throws -> MessageFile {
        try await client.call(.get("threads", threadID, "messages", messageID, "files", fileID), as: MessageFile.self)
    }

    // MARK: runs

    public func createRun(_ params: CreateRunParams) async throws -> Run {
        try await client.call(
            .post("threads", params.threadID, "runs", body: RequestBody.run(params.raw, pathKeys: ["thread_id"], stream: false)),
            as: Run.self)
    }

    public func streamRun(_ params: CreateRunParams) async throws -> StreamEventBatches {
        try await client.stream(
            .post("threads", params.threadID, "runs", body: RequestBody.run(params.raw, pathKeys: ["thread_id"], stream: true)))
    }

    public func createThreadAndRun(_ params: CreateThreadAndRunParams) async throws -> Run {
        try await client.call(.post("threads", "runs", body: RequestBody.run(params.raw, pathKeys: [], stream: false)), as: Run.self)
    }

    public func streamThreadAndRun(_ params: CreateThreadAndRunParams) async throws -> StreamEventBatches {
        try await client.stream(.post("threads", "runs", body: RequestBody.run(params.raw, pathKeys: [], stream: true)))
    }

    public func submitToolOutputs(_ params: SubmitToolOutputsParams) async throws -> Run {
        try await client.call(
            .post("threads", params.threadID, "runs", params.runID, "submit_tool_outputs",
                body: RequestBody.submitToolOutputs(params, stream: false)),
            as: Run.self)
    }

    public func streamSubmitToolOutputs(_ params: SubmitToolOutputsParams) async throws -> StreamEventBatches {
        try await client.stream(
            .post("threads", params.threadID, "runs", params.runID, "submit_tool_outputs",
                body: RequestBody.submitToolOutputs(params, stream: true)))
    }

    public func listRuns(threadID: String, _ list: ListParams) async throws -> ListPage<Run> {
        try await client.call(.get("threads", threadID, "runs", query: Endpoint.listQuery(list)), as: ListPage<Run>.self)
    }

    public func retrieveRun(threadID: String, runID: String) async throws -> Run {
        try await client.call(.get("threads", threadID, "runs", runID), as: Run.self)
    }

    public func updateRun(threadID: String, runID: String, metadata: [String: String]?, raw: JSONObject) async throws -> Run {
        try await client.call(
            .post("threads", threadID, "runs", runID, body: RequestBody.updateMetadata(raw, pathKeys: ["thread_id", "run_id"])),
            as: Run.self)
    }

    /// Polls `retrieve` until the run is terminal or needs tool outputs, starting at
    /// `firstPollInterval` (well under the SDK's fixed 1 s) and growing by half each poll up to
    /// `maxPollInterval`. When `timeoutMs` passes, returns the run as it stands. Cancelling
    /// the calling task (`$/cancelRequest`) stops it at once.
    public func waitRun(_ params: WaitRunParams) async throws -> Run {
        let clock = ContinuousClock()
        let deadline = params.timeoutMs.map { clock.now + .milliseconds($0) }
        var interval = configuration.firstPollInterval
        while true {
            let run = try await retrieveRun(threadID: params.threadID, runID: params.runID)
            if run.status.isTerminal || run.status == .requiresAction { return run }
            var wake = clock.now + interval
            if let deadline {
                if clock.now >= deadline { return run }
                wake = min(wake, deadline)
            }
            try await Task.sleep(until: wake, clock: clock)
            interval = min(interval * 1.5, configuration.maxPollInterval)
        }
    }

    /// The service documents no cancel endpoint; this calls the one the SDK knows
    /// (`POST …/cancel`, no body) and, when the service refuses it, answers
    /// `unsupportedByBackend` (or `notFound` when the run itself does not exist).
    public func cancelRun(threadID: String, runID: String) async throws -> Run {
        do {
            return try await client.call(.post("threads", threadID, "runs", runID, "cancel", body: nil), as: Run.self)
        } catch let error as APIError where [404, 405, 501].contains(error.statusCode ?? 0) {
            if error.statusCode == 404 {
                _ = try await retrieveRun(threadID: threadID, runID: runID)  // throws notFound for an unknown run
            }
            throw APIError(
                .unsupportedByBackend,
                "the DashScope service does not support cancelling a run (HTTP \(error.statusCode ?? 0) on POST threads/\(threadID)/runs/\(runID)/cancel); the run goes on",
                statusCode: error.statusCode, code: error.code, requestID: error.requestID)
        }
    }

    // MARK: steps

    public func listSteps(threadID: String, runID: String, _ list: ListParams) async throws -> ListPage<RunStep> {
        try await client.call(
            .get("threads", threadID, "runs", runID, "steps", query: Endpoint.listQuery(list)), as: ListPage<RunStep>.self)
    }

    public func retrieveStep(threadID: String, runID: String, stepID: String) async throws -> RunStep {
        try await client.call(.get("threads", threadID, "runs", runID, "steps", stepID), as: RunStep.self)
    }

    public func shutdown() async {
        client.shutdown()
    }
}
