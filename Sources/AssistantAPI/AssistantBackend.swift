import JSONCore

/// What both backends implement: one async method per operation of the Assistant API.
/// Errors are `APIError`s (or `CancellationError`). Streaming operations return the run's
/// events in the service's order, in batches (`StreamEventBatches`), ending with `done` (or at
/// `thread.run.requires_action` followed by `done`, as the service ends a stream that needs tool
/// outputs).
public protocol AssistantBackend: Sendable {
    /// `{"name": "local" | "dashscope", …}` for `initialize`'s answer.
    var info: JSONObject { get }

    func createAssistant(_ params: CreateAssistantParams) async throws -> Assistant
    func listAssistants(_ params: ListParams) async throws -> ListPage<Assistant>
    func retrieveAssistant(id: String) async throws -> Assistant
    func updateAssistant(_ params: UpdateAssistantParams) async throws -> Assistant
    func deleteAssistant(id: String) async throws -> DeletionStatus

    func createAssistantFile(_ params: AssistantFileParams) async throws -> AssistantFile
    func listAssistantFiles(assistantID: String, _ list: ListParams) async throws -> ListPage<AssistantFile>
    func retrieveAssistantFile(_ params: AssistantFileParams) async throws -> AssistantFile
    func deleteAssistantFile(_ params: AssistantFileParams) async throws -> DeletionStatus

    func createThread(_ params: CreateThreadParams) async throws -> ThreadObject
    func retrieveThread(id: String) async throws -> ThreadObject
    func updateThread(id: String, metadata: [String: String]?, raw: JSONObject) async throws -> ThreadObject
    func deleteThread(id: String) async throws -> DeletionStatus
    /// The local backend's threads; the hosted backend's are those this data dir has seen (the
    /// service lists none).
    func listThreads(_ params: ListThreadsParams) async throws -> ListPage<ThreadObject>

    func createMessage(_ params: CreateMessageParams) async throws -> Message
    func listMessages(_ params: ListMessagesParams) async throws -> ListPage<Message>
    /// The same page with each message as its JSON, written out (what `messages/list` answers).
    /// A backend that stores that JSON returns it without decoding it.
    func listMessagesSerialized(_ params: ListMessagesParams) async throws -> ListPage<SerializedJSON>
    func retrieveMessage(threadID: String, messageID: String) async throws -> Message
    /// The same message as its JSON (what `messages/retrieve` answers); a backend that stores
    /// that JSON returns it without decoding it.
    func retrieveMessageStored(threadID: String, messageID: String) async throws -> StoredWireObject<Message>
    func updateMessage(threadID: String, messageID: String, metadata: [String: String]?, raw: JSONObject) async throws -> Message
    func listMessageFiles(threadID: String, messageID: String, _ list: ListParams) async throws -> ListPage<MessageFile>
    func retrieveMessageFile(threadID: String, messageID: String, fileID: String) async throws -> MessageFile

    /// Non-streaming create: returns the run as soon as it is accepted; it goes on in the background.
    func createRun(_ params: CreateRunParams) async throws -> Run
    func streamRun(_ params: CreateRunParams) async throws -> StreamEventBatches
    /// Returns the run (with `thread_id` naming the new thread).
    func createThreadAndRun(_ params: CreateThreadAndRunParams) async throws -> Run
    func streamThreadAndRun(_ params: CreateThreadAndRunParams) async throws -> StreamEventBatches
    func submitToolOutputs(_ params: SubmitToolOutputsParams) async throws -> Run
    func streamSubmitToolOutputs(_ params: SubmitToolOutputsParams) async throws -> StreamEventBatches
    func listRuns(threadID: String, _ list: ListParams) async throws -> ListPage<Run>
    func retrieveRun(threadID: String, runID: String) async throws -> Run
    func updateRun(threadID: String, runID: String, metadata: [String: String]?, raw: JSONObject) async throws -> Run
    /// Returns once the run is terminal or `requires_action`, or when `timeoutMs` passes
    /// (then the run as it stands). Honours task cancellation.
    func waitRun(_ params: WaitRunParams) async throws -> Run
    func cancelRun(threadID: String, runID: String) async throws -> Run
    /// `runs/stream`: the run's events with an index above `afterSeq` (all when nil), replayed,
    /// then live ones as the run goes on (whichever process executes it), ending with `done`
    /// once the run is terminal or `requires_action`. Honours task cancellation.
    func attachRun(threadID: String, runID: String, afterSeq: Int64?) async throws -> AsyncThrowingStream<SequencedStreamEvent, any Error>

    func listSteps(threadID: String, runID: String, _ list: ListParams) async throws -> ListPage<RunStep>
    func retrieveStep(threadID: String, runID: String, stepID: String) async throws -> RunStep

    /// Ends background work (runs in flight are left for restart recovery), closes storage.
    func shutdown() async
}

extension AssistantBackend {
    public func retrieveMessageStored(threadID: String, messageID: String) async throws -> StoredWireObject<Message> {
        try StoredWireObject(try await retrieveMessage(threadID: threadID, messageID: messageID))
    }

    public func listMessagesSerialized(_ params: ListMessagesParams) async throws -> ListPage<SerializedJSON> {
        try await listMessages(params).serializingItems()
    }
}
