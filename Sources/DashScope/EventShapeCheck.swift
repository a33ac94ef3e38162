import AssistantAPI
import JSONCore

/// Checks the parts of a stream event the bridge acts on, so a malformed one fails the stream
/// (`MalformedEvent`) instead of being passed over: a run event must be a run (its status and
/// `required_action` drive the relay), and every `tool_calls` a step or a run carries must be
/// an array.
enum EventShapeCheck {
    /// What is wrong with the event, or nil when nothing is.
    static func problem(event name: String, data: JSONValue) -> String? {
        if name.hasPrefix("thread.run.step.") {
            let details = name == EventName.step("delta") ? data["delta"]?["step_details"] : data["step_details"]
            return toolCallsProblem(details?["tool_calls"], at: "step_details.tool_calls")
        }
        if name.hasPrefix("thread.run."), data["object"]?.stringValue == "thread.run" {
            if let problem = toolCallsProblem(
                data["required_action"]?["submit_tool_outputs"]?["tool_calls"], at: "required_action.submit_tool_outputs.tool_calls")
            {
                return problem
            }
            do {
                _ = try Run(wireJSON: data)
            } catch {
                return "the run it carries cannot be read (\(error))"
            }
        }
        return nil
    }

    private static func toolCallsProblem(_ value: JSONValue?, at path: String) -> String? {
        guard let value, !value.isNull, value.arrayValue == nil else { return nil }
        return "its \(path) is \(value.typeName), not an array"
    }
}
