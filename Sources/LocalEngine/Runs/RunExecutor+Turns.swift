import AssistantAPI
import Foundation
import JSONCore

extension RunExecutor {
    /// The turn task: one model call, its chunks fed to the machine as they stream. The
    /// machine decides what the turn's end means (a pause for tools, the run's end).
    func driveTurns(_ driver: RunDriver) async {
        do {
            let request = try chatRequest(for: driver.read { ($0.run, $0.toolsForModel) })
            var toolCalls: [ChatToolCall] = []
            var usage: Usage?
            var finish: FinishReason = .stop
            defer { textFlushes.cancel(driver) }
            for try await chunk in model.streamTurn(request) {
                switch chunk {
                case .text(let delta):
                    guard !delta.isEmpty else { continue }
                    // Back-pressure: the model waits for slow listeners (never under a lock).
                    await driver.listeners.waitForRoom()
                    var batchWindow: Int64?
                    try driver.apply { machine in
                        let effects = try machine.textDelta(delta, now: Timestamp.now())
                        if !machine.unsentDeltas.isEmpty {
                            batchWindow = RunMachine.textBatchWindow(forTextLength: machine.replyText.utf8.count)
                        }
                        return effects
                    }
                    if let batchWindow { textFlushes.schedule(driver, windowMs: batchWindow) }
                case .toolCall(let call):
                    toolCalls.append(call)
                case .usage(let prompt, let completion):
                    usage = Usage(promptTokens: prompt, completionTokens: completion)
                case .finish(let reason):
                    finish = reason
                }
            }
            try Task.checkCancellation()
            let promptTokens = request.messages.reduce(0) { $0 + PromptBuilder.estimateTokens($1.content) }
            try driver.apply {
                $0.endTurn(toolCalls: toolCalls, usage: usage, promptTokensEstimate: promptTokens, finish: finish, now: Timestamp.now())
            }
        } catch {
            if shuttingDown.withLock({ $0 }) { return }  // left for restart recovery
            _ = try? driver.apply { $0.turnFailed(error, now: Timestamp.now()) }
        }
    }

    func chatRequest(for state: (run: Run, tools: [Tool])) throws -> ChatRequest {
        let run = state.run
        // Every message costs at least PromptBuilder.minimumMessageTokens, so no more than this
        // many can fit the context; last_messages needs at most its count.
        var limit = max(1, model.contextTokens / PromptBuilder.minimumMessageTokens)
        if run.truncationStrategy?.type == "last_messages", let keep = run.truncationStrategy?.lastMessages { limit = min(limit, keep) }
        let messages = try repository.recentPromptHistory(threadID: run.threadID, limit: limit)
        let toolSteps = try repository.threadToolSteps(threadID: run.threadID, since: messages.first?.createdAt ?? 0)
        let builder = PromptBuilder(contextTokens: model.contextTokens)
        let prompt = builder.build(
            instructions: run.instructions, history: messages, toolSteps: toolSteps,
            truncation: run.truncationStrategy, reserveForOutput: run.maxTokens ?? min(1024, model.contextTokens / 4))
        var functions: [FunctionDefinition] = []
        for tool in state.tools {
            if let function = tool.function {
                functions.append(function)
            } else if !tool.type.isEmpty {
                // A built-in the client answers (handle_tools): offered to the model as a function.
                functions.append(FunctionDefinition(
                    name: tool.type, description: "The \(tool.type) tool.",
                    parameters: ["type": "object", "properties": ["input": ["type": "string"]], "required": ["input"]]))
            }
        }
        return ChatRequest(
            model: run.model, messages: prompt, tools: functions, toolChoice: functions.isEmpty ? nil : run.toolChoice,
            temperature: run.temperature, topP: run.topP, topK: run.topK, maxTokens: run.maxTokens)
    }
}
