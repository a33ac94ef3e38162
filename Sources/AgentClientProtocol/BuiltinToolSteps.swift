import AssistantAPI
import JSONCore

/// The service's own tools (code interpreter, search, …) run inside the run: their run steps
/// become `tool_call` / `tool_call_update`s as they go. Function calls are not shown here (the
/// session runs them, and `ToolCallRunner` shows them). Pure, so it is unit-tested on its own.
public struct BuiltinToolSteps: Sendable {
    private var shown: [String: String] = [:]

    public init() {}

    /// The updates a `thread.run.step.*` event's step brings, given the ones already sent.
    public mutating func updates(for step: RunStep) -> [JSONObject] {
        guard let calls = step.stepDetails.toolCalls else { return [] }
        let status = Self.status(step.status)
        var updates: [JSONObject] = []
        for call in calls where call.type != "function" && !call.id.isEmpty {
            if shown[call.id] == nil {
                updates.append(SessionUpdate.toolCall(
                    id: call.id, title: call.type.replacingOccurrences(of: "_", with: " "), kind: Self.kind(call.type),
                    rawInput: call.builtin ?? .object([:])))
                shown[call.id] = "pending"
            }
            guard shown[call.id] != status else { continue }
            shown[call.id] = status
            var update = SessionUpdate.toolCallStatus(id: call.id, status: status)
            if status == "completed" || status == "failed", let builtin = call.builtin { update["rawOutput"] = builtin }
            updates.append(update)
        }
        return updates
    }

    static func status(_ status: RunStepStatus) -> String {
        switch status {
        case .inProgress: "in_progress"
        case .completed: "completed"
        default: "failed"
        }
    }

    static func kind(_ type: String) -> String {
        type.contains("search") ? "search" : type.contains("code") ? "execute" : "other"
    }
}
