import AssistantAPI
import JSONCore

/// Runs a slash command instead of the assistant; its answer is shown as the agent's reply.
struct SlashCommandRunner: Sendable {
    let agent: ACPAgent
    let turn: PromptTurn

    func run(_ command: SlashCommand) async throws -> JSONValue {
        let session = turn.session
        switch command.name {
        case "new":
            let old = session.threadID
            let metadata: JSONObject = [ACPAgent.cwdKey: .string(String(session.cwd.prefix(512))), ACPAgent.assistantKey: .string(session.assistantID)]
            let thread = try await agent.backend.createThread(try CreateThreadParams(["metadata": .object(metadata)]))
            let previous = try await agent.backend.retrieveThread(id: old)
            var kept = previous.metadata
            kept[ACPAgent.nextThreadKey] = thread.id
            _ = try await agent.backend.updateThread(
                id: old, metadata: kept, raw: ["metadata": .object(kept.mapValues { .string($0) })])
            session.moveToThread(thread.id)
            try await turn.send(SessionUpdate.agentText("Started a fresh thread (\(thread.id)); the assistant no longer sees the earlier conversation."))
        case "usage":
            let (last, total) = session.usage
            var lines: [String] = []
            if let last {
                lines.append("Last run: \(last.promptTokens) prompt + \(last.completionTokens) completion = \(last.totalTokens) tokens.")
            } else {
                lines.append("No run has finished in this session yet.")
            }
            lines.append("This session: \(total.promptTokens) prompt + \(total.completionTokens) completion = \(total.totalTokens) tokens.")
            try await turn.send(SessionUpdate.agentText(lines.joined(separator: "\n")))
        default:
            break
        }
        return ["stopReason": "end_turn"]
    }
}
