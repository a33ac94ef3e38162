import AssistantAPI
import JSONCore
import JSONRPC

/// One `session/prompt`: the user message, then a streamed run relayed as `session/update`s,
/// with the run's function calls answered through the client (or the session's MCP servers)
/// until the run ends; answers the `stopReason`.
struct PromptTurn: Sendable {
    let backend: any AssistantBackend
    let session: Session
    let channel: RequestChannel
    let capabilities: ClientCapabilities
    let toolCallTimeout: Duration

    func run(text: String) async throws -> JSONValue {
        let threadID = session.threadID
        _ = try await backend.createMessage(try CreateMessageParams(["thread_id": .string(threadID), "role": "user", "content": .string(text)]))
        var stream = try await backend.streamRun(try CreateRunParams([
            "thread_id": .string(threadID), "assistant_id": .string(session.assistantID), "stream": true,
            "tools": .array(toolDefinitions),
        ]))
        var lastRun: Run?
        var builtinSteps = BuiltinToolSteps()
        while true {
            let relay = Task { [self, stream, lastRun, builtinSteps] in
                try await relayEvents(of: stream, lastRun: lastRun, builtinSteps: builtinSteps)
            }
            session.relayStarted { relay.cancel() }
            (lastRun, builtinSteps) = try await withTaskCancellationHandler { try await relay.value } onCancel: { relay.cancel() }
            if session.relayStopped { break }
            guard let paused = lastRun, paused.status == .requiresAction else { break }
            let outputs = session.cancelRequested ? [] : await answer(paused)
            if session.cancelRequested {
                // The client asked to stop: the run is cancelled rather than given outputs.
                lastRun = (try? await backend.cancelRun(threadID: threadID, runID: paused.id)) ?? paused
                break
            }
            stream = try await backend.streamSubmitToolOutputs(try SubmitToolOutputsParams([
                "thread_id": .string(threadID), "run_id": .string(paused.id), "stream": true,
                "tool_outputs": .array(outputs.map { ["tool_call_id": .string($0.toolCallID), "output": .string($0.output)] }),
            ]))
        }
        guard let run = lastRun else {
            throw JSONRPCError(code: JSONRPCError.internalErrorCode, message: "The run's stream ended before it carried the run.")
        }
        if let usage = run.usage { session.noteUsage(usage) }
        switch PromptOutcome.of(run, cancelRequested: session.cancelRequested) {
        case .stop(let reason):
            return ["stopReason": .string(reason)]
        case .failure(let code, let message):
            throw JSONRPCError(
                code: JSONRPCError.internalErrorCode, message: "The run failed: \(message)",
                data: ["run_id": .string(run.id), "last_error": ["code": .string(code), "message": .string(message)]])
        }
    }

    /// Relays one stream's events until it ends (or the relay is cancelled); answers the last
    /// run it carried.
    private func relayEvents(
        of stream: StreamEventBatches, lastRun: Run?, builtinSteps: BuiltinToolSteps
    ) async throws -> (Run?, BuiltinToolSteps) {
        var lastRun = lastRun
        var builtinSteps = builtinSteps
        do {
            for try await event in stream.events {
                if let run = event.run {
                    if lastRun?.id != run.id, session.noteRun(run.id) { Self.cancel(backend, session, threadID: run.threadID, runID: run.id) }
                    lastRun = run
                } else if event.event == EventName.message("delta"), let text = Self.deltaText(event.data), !text.isEmpty {
                    try await send(SessionUpdate.agentText(text))
                } else if event.event.hasPrefix("thread.run.step."), let step = try? RunStep(wireJSON: event.data) {
                    for update in builtinSteps.updates(for: step) { try await send(update) }
                }
            }
        } catch where session.relayStopped {
            // The stream ended because the relay was stopped: the prompt answers `cancelled`.
        }
        return (lastRun, builtinSteps)
    }

    /// Cancels the run; when the backend cannot, the prompt stops relaying it instead.
    static func cancel(_ backend: any AssistantBackend, _ session: Session, threadID: String, runID: String) {
        Task {
            do {
                _ = try await backend.cancelRun(threadID: threadID, runID: runID)
            } catch {
                session.stopRelaying()
            }
        }
    }

    /// The assistant's tools, then the client's and the MCP servers'; a name already taken is
    /// not offered twice (the service refuses duplicates).
    var toolDefinitions: [JSONValue] {
        var names = Set<String>()
        let all = session.assistantTools + ClientTool.offered(to: capabilities).map(\.definition) + session.externalTools.tools.map(\.definition)
        return all.filter { tool in
            guard let name = tool["function"]?["name"]?.stringValue else { return true }
            return names.insert(name).inserted
        }
    }

    func send(_ update: JSONObject) async throws {
        try await channel.sendStreamNotification(method: SessionUpdate.method, params: SessionUpdate.params(session: session.id, update))
    }

    /// The text of a `thread.message.delta` event.
    static func deltaText(_ data: JSONValue) -> String? {
        guard let parts = data["delta"]?["content"]?.arrayValue else { return nil }
        return parts.compactMap { $0["text"]?["value"]?.stringValue }.joined()
    }

    /// Runs the paused run's calls one after another (each is shown, and some ask the user
    /// first): a call that fails becomes an output that says so, and the run goes on.
    private func answer(_ run: Run) async -> [ToolOutput] {
        var outputs: [ToolOutput] = []
        for call in run.requiredAction?.submitToolOutputs?.toolCalls ?? [] {
            let output = await ToolCallRunner(turn: self).run(call)
            outputs.append(ToolOutput(toolCallID: call.id, output: output))
        }
        return outputs
    }
}
