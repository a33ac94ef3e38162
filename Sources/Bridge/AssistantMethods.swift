import AssistantAPI
import JSONCore
import JSONRPC

/// The Assistant API's methods, each a call of the backend. Both backends are reached the
/// same way, so the client cannot tell them apart but through `initialize`.
extension MethodTable {
    public mutating func registerAssistantAPI(backends: BackendSlot, toolCallTimeout: Duration = .seconds(300)) {
        let runs = RunMethods(backends: backends, toolCallTimeout: toolCallTimeout)

        register("assistants/create") { _, params in try await backends.current.createAssistant(CreateAssistantParams(params)).wireJSON() }
        register("assistants/list") { _, params in try await backends.current.listAssistants(ListParams(params)).wireJSON() }
        register("assistants/retrieve") { _, params in
            let backend = backends.current
            return try await backend.retrieveAssistant(id: ObjectRef(params, keys: ["assistant_id"])["assistant_id"]).wireJSON()
        }
        register("assistants/update") { _, params in try await backends.current.updateAssistant(UpdateAssistantParams(params)).wireJSON() }
        register("assistants/delete") { _, params in
            let backend = backends.current
            return try await backend.deleteAssistant(id: ObjectRef(params, keys: ["assistant_id"])["assistant_id"]).wireJSON()
        }
        register("assistants/files/create") { _, params in try await backends.current.createAssistantFile(AssistantFileParams(params)).wireJSON() }
        register("assistants/files/list") { _, params in
            let backend = backends.current
            let list = try ListChildrenParams(params, keys: ["assistant_id"])
            return try await backend.listAssistantFiles(assistantID: list["assistant_id"], list.list).wireJSON()
        }
        register("assistants/files/retrieve") { _, params in try await backends.current.retrieveAssistantFile(AssistantFileParams(params)).wireJSON() }
        register("assistants/files/delete") { _, params in try await backends.current.deleteAssistantFile(AssistantFileParams(params)).wireJSON() }

        register("threads/create") { _, params in try await backends.current.createThread(CreateThreadParams(params)).wireJSON() }
        register("threads/retrieve") { _, params in
            let backend = backends.current
            return try await backend.retrieveThread(id: ObjectRef(params, keys: ["thread_id"])["thread_id"]).wireJSON()
        }
        register("threads/update") { _, params in
            let backend = backends.current
            let update = try UpdateMetadataParams(params, keys: ["thread_id"])
            return try await backend.updateThread(id: update["thread_id"], metadata: update.metadata, raw: update.raw).wireJSON()
        }
        register("threads/delete") { _, params in
            let backend = backends.current
            return try await backend.deleteThread(id: ObjectRef(params, keys: ["thread_id"])["thread_id"]).wireJSON()
        }

        register("messages/create") { _, params in try await backends.current.createMessage(CreateMessageParams(params)).wireJSON() }
        register("messages/list") { _, params in try await backends.current.listMessages(ListMessagesParams(params)).wireJSON() }
        register("messages/retrieve") { _, params in
            let backend = backends.current
            let ref = try ObjectRef(params, keys: ["thread_id", "message_id"])
            return try await backend.retrieveMessage(threadID: ref["thread_id"], messageID: ref["message_id"]).wireJSON()
        }
        register("messages/update") { _, params in
            let backend = backends.current
            let update = try UpdateMetadataParams(params, keys: ["thread_id", "message_id"])
            return try await backend.updateMessage(
                threadID: update["thread_id"], messageID: update["message_id"], metadata: update.metadata, raw: update.raw
            ).wireJSON()
        }
        register("messages/files/list") { _, params in
            let backend = backends.current
            let list = try ListChildrenParams(params, keys: ["thread_id", "message_id"])
            return try await backend.listMessageFiles(threadID: list["thread_id"], messageID: list["message_id"], list.list).wireJSON()
        }
        register("messages/files/retrieve") { _, params in
            let backend = backends.current
            let ref = try ObjectRef(params, keys: ["thread_id", "message_id", "file_id"])
            return try await backend.retrieveMessageFile(
                threadID: ref["thread_id"], messageID: ref["message_id"], fileID: ref["file_id"]
            ).wireJSON()
        }

        register("runs/create") { context, params in
            let backend = backends.current
            let create = try CreateRunParams(params)
            return try await runs.perform(context, stream: create.options.stream, handleTools: create.options.handleTools,
                plain: { try await backend.createRun(create) }, streamed: { try await backend.streamRun(create) })
        }
        register("runs/createThreadAndRun") { context, params in
            let backend = backends.current
            let create = try CreateThreadAndRunParams(params)
            return try await runs.perform(context, stream: create.options.stream, handleTools: create.options.handleTools,
                plain: { try await backend.createThreadAndRun(create) }, streamed: { try await backend.streamThreadAndRun(create) })
        }
        register("runs/submitToolOutputs") { context, params in
            let backend = backends.current
            let submit = try SubmitToolOutputsParams(params)
            return try await runs.perform(context, stream: submit.stream, handleTools: submit.handleTools,
                plain: { try await backend.submitToolOutputs(submit) }, streamed: { try await backend.streamSubmitToolOutputs(submit) })
        }
        register("runs/list") { _, params in
            let backend = backends.current
            let list = try ListChildrenParams(params, keys: ["thread_id"])
            return try await backend.listRuns(threadID: list["thread_id"], list.list).wireJSON()
        }
        register("runs/retrieve") { _, params in
            let backend = backends.current
            let ref = try ObjectRef(params, keys: ["thread_id", "run_id"])
            return try await backend.retrieveRun(threadID: ref["thread_id"], runID: ref["run_id"]).wireJSON()
        }
        register("runs/update") { _, params in
            let backend = backends.current
            let update = try UpdateMetadataParams(params, keys: ["thread_id", "run_id"])
            return try await backend.updateRun(
                threadID: update["thread_id"], runID: update["run_id"], metadata: update.metadata, raw: update.raw
            ).wireJSON()
        }
        register("runs/wait") { _, params in try await backends.current.waitRun(WaitRunParams(params)).wireJSON() }
        register("runs/cancel") { _, params in
            let backend = backends.current
            let ref = try ObjectRef(params, keys: ["thread_id", "run_id"])
            return try await backend.cancelRun(threadID: ref["thread_id"], runID: ref["run_id"]).wireJSON()
        }

        register("steps/list") { _, params in
            let backend = backends.current
            let list = try ListChildrenParams(params, keys: ["thread_id", "run_id"])
            return try await backend.listSteps(threadID: list["thread_id"], runID: list["run_id"], list.list).wireJSON()
        }
        register("steps/retrieve") { _, params in
            let backend = backends.current
            let ref = try ObjectRef(params, keys: ["thread_id", "run_id", "step_id"])
            return try await backend.retrieveStep(threadID: ref["thread_id"], runID: ref["run_id"], stepID: ref["step_id"]).wireJSON()
        }
    }
}

/// Starts runs plainly, streamed (`runs/event` notifications, then the run), or with the
/// client answering tool calls (`handle_tools`).
struct RunMethods: Sendable {
    let backends: BackendSlot
    let toolCallTimeout: Duration

    func perform(
        _ context: RequestContext, stream: Bool, handleTools: Bool,
        plain: @Sendable () async throws -> Run,
        streamed: @Sendable () async throws -> AsyncThrowingStream<StreamEvent, any Error>
    ) async throws -> JSONValue {
        if handleTools && !context.clientHandlesTools {
            throw JSONRPCError.invalidParams(
                "handle_tools needs a client that answers tools/call: declare capabilities.tools.call in initialize",
                path: "handle_tools")
        }
        guard stream || handleTools else { return try await plain().wireJSON() }
        let events = context.makeRunEventStream()
        let requestID = context.requestID.json
        let timeout = toolCallTimeout
        var callTool: RunRelay.CallTool?
        if handleTools {
            callTool = { threadID, runID, call in
                let params: JSONValue = [
                    "request": requestID, "thread_id": .string(threadID), "run_id": .string(runID),
                    "tool_call": try JSONValue(encoding: call),
                ]
                let result = try await context.sendRequest(method: "tools/call", params: params, timeout: timeout)
                switch result["output"] {
                case .string(let output)?: return output
                case let other?: return other.serializedString()
                case nil: return result.serializedString()
                }
            }
        }
        let emit: RunRelay.Emit = { event in
            if stream { events.emit(event: event.event, data: event.data) }
        }
        let relay = RunRelay(backend: backends.current, emit: emit, callTool: callTool)
        var run = try await relay.relay(try await streamed())
        if run.requestID == nil { run.requestID = ObjectID.requestID() }
        return try run.wireJSON()
    }
}

/// Turns the Assistant API's errors into JSON-RPC errors (protocol/README.md, "Errors").
public enum AssistantErrorMapping {
    public static func map(_ error: any Error) -> JSONRPCError? {
        guard let error = error as? APIError else { return nil }
        let code: ApplicationErrorCode
        switch error.kind {
        case .invalidParams:
            var data: JSONObject = ["param": error.param.map(JSONValue.string) ?? .null]
            if let statusCode = error.statusCode { data["status_code"] = .int(Int64(statusCode)) }
            if let serviceCode = error.code { data["code"] = .string(serviceCode) }
            data["message"] = .string(error.message)
            if let requestID = error.requestID { data["request_id"] = .string(requestID) }
            let where_ = error.param.map { "\($0): " } ?? ""
            return JSONRPCError(code: JSONRPCError.invalidParamsCode, message: "Invalid params: \(where_)\(error.message)", data: .object(data))
        case .notFound: code = .notFound
        case .unauthenticated: code = .unauthenticated
        case .rateLimited: code = .rateLimited
        case .upstreamFailure, .timeout: code = .upstreamFailure
        case .conflictingState: code = .conflictingState
        case .unsupportedByBackend: code = .unsupportedByBackend
        }
        // The local engine's errors get a request id of their own, as the service's do.
        return .application(
            code, message: error.message, statusCode: error.statusCode, serviceCode: error.code,
            requestID: error.requestID ?? ObjectID.requestID(), extra: error.details)
    }
}
