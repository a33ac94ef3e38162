import AssistantAPI

/// `stream` and `handle_tools` make it a relayed run (`MethodCall.startRun`).
public struct CreateRun: RequestMethod {
    public static let name = "runs/create"
    public static let threadOrdering = ThreadOrdering.mutates(threadParam: "thread_id")
    public let params: CreateRunParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try CreateRunParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> Run {
        let params = params
        return try await call.startRun(
            stream: params.options.stream, handleTools: params.options.handleTools,
            plain: { try await $0.createRun(params) },
            streamed: { backend in try await call.leavingThreadQueue { try await backend.streamRun(params) } })
    }
}

public struct CreateThreadAndRun: RequestMethod {
    public static let name = "runs/createThreadAndRun"
    public let params: CreateThreadAndRunParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try CreateThreadAndRunParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> Run {
        let params = params
        return try await call.startRun(
            stream: params.options.stream, handleTools: params.options.handleTools,
            plain: { try await $0.createThreadAndRun(params) }, streamed: { try await $0.streamThreadAndRun(params) })
    }
}

public struct SubmitToolOutputs: RequestMethod {
    public static let name = "runs/submitToolOutputs"
    public static let threadOrdering = ThreadOrdering.mutates(threadParam: "thread_id")
    public let params: SubmitToolOutputsParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try SubmitToolOutputsParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> Run {
        let params = params
        return try await call.startRun(
            stream: params.stream, handleTools: params.handleTools,
            plain: { try await $0.submitToolOutputs(params) },
            streamed: { backend in
                try await call.leavingThreadQueue { try await backend.streamSubmitToolOutputs(params) }
            })
    }
}

public struct ListRuns: RequestMethod {
    public static let name = "runs/list"
    public let threadID: String
    public let list: ListParams
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        list = try ListParams(reader: &reader)
    }
    public func call(_ call: MethodCall) async throws -> ListPage<Run> { try await call.backend.listRuns(threadID: threadID, list) }
}

public struct RetrieveRun: RequestMethod {
    public static let name = "runs/retrieve"
    public static let startsAtOnce = true
    public let threadID: String
    public let runID: String
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        runID = try reader.id("run_id")
    }
    public func call(_ call: MethodCall) async throws -> Run { try await call.backend.retrieveRun(threadID: threadID, runID: runID) }
}

public struct UpdateRun: RequestMethod {
    public static let name = "runs/update"
    public static let threadOrdering = ThreadOrdering.mutates(threadParam: "thread_id")
    public let threadID: String
    public let runID: String
    public let update: MetadataUpdate
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        runID = try reader.id("run_id")
        update = try MetadataUpdate(reader: &reader)
    }
    public func call(_ call: MethodCall) async throws -> Run {
        try await call.backend.updateRun(threadID: threadID, runID: runID, metadata: update.metadata, raw: update.raw)
    }
}

public struct WaitRun: RequestMethod {
    public static let name = "runs/wait"
    public let params: WaitRunParams
    public init(params reader: inout ParamReader) throws(APIError) { params = try WaitRunParams(reader: &reader) }
    public func call(_ call: MethodCall) async throws -> Run { try await call.backend.waitRun(params) }
}

public struct CancelRun: RequestMethod {
    public static let name = "runs/cancel"
    public let threadID: String
    public let runID: String
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        runID = try reader.id("run_id")
    }
    public func call(_ call: MethodCall) async throws -> Run { try await call.backend.cancelRun(threadID: threadID, runID: runID) }
}

// MARK: - run steps

public struct ListSteps: RequestMethod {
    public static let name = "steps/list"
    public let threadID: String
    public let runID: String
    public let list: ListParams
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        runID = try reader.id("run_id")
        list = try ListParams(reader: &reader)
    }
    public func call(_ call: MethodCall) async throws -> ListPage<RunStep> {
        try await call.backend.listSteps(threadID: threadID, runID: runID, list)
    }
}

public struct RetrieveStep: RequestMethod {
    public static let name = "steps/retrieve"
    public static let startsAtOnce = true
    public let threadID: String
    public let runID: String
    public let stepID: String
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        runID = try reader.id("run_id")
        stepID = try reader.id("step_id")
    }
    public func call(_ call: MethodCall) async throws -> RunStep {
        try await call.backend.retrieveStep(threadID: threadID, runID: runID, stepID: stepID)
    }
}
