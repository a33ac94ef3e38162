import AssistantAPI
import JSONCore
import JSONRPC
import LocalEngine

extension MethodCall {
    /// Starts a run plainly, streamed (`runs/event` notifications, then the run), or with the
    /// client answering tool calls (`handle_tools`), through the run relay.
    func startRun(
        stream: Bool, handleTools: Bool,
        plain: @Sendable (any AssistantBackend) async throws -> Run,
        streamed: @escaping @Sendable (any AssistantBackend) async throws -> StreamEventBatches
    ) async throws -> Run {
        if handleTools && !context.clientHandlesTools {
            throw JSONRPCError.invalidParams(
                "handle_tools needs a client that answers tools/call: declare capabilities.tools.call in initialize",
                path: "handle_tools")
        }
        guard stream || handleTools else { return try await plain(backend) }
        let context = context
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
        let emit: RunRelay.Emit = { batch in
            if stream { try await events.emit(batch) }
        }
        let relay = RunRelay(backend: backend, emit: emit, callTool: callTool)
        let backend = backend
        // Streaming work runs below the priority of requests, so that a read or a cancel is
        // served ahead of thousands of streams' events.
        let work = Task(priority: .utility) { try await relay.relay(try await streamed(backend)) }
        do {
            return try await withTaskCancellationHandler { try await work.value } onCancel: { work.cancel() }
        } catch let behind as ListenerFellBehind {
            // The local engine detached this stream (its reader took nothing for too long); the run goes on.
            throw JSONRPCError(
                code: JSONRPCError.requestCancelledCode, message: "Request \(context.requestID) was cancelled: \(behind)",
                data: ["reason": "stream_fell_behind", "run_id": .string(behind.runID)])
        }
    }
}
