import JSONCore

/// The one exit-code rule of `assistd call`, `assistd demo` and clients/shell/stream-reply.sh:
/// success only when the request succeeded and, for a run, the run ended `completed` — or
/// `requires_action` when the caller did not ask assistd to answer the tool calls
/// (`handle_tools`), so that stopping there is what it asked for.
enum RunOutcome {
    /// Where a run stops on its own: terminal, or waiting for tool outputs.
    static let settledStatuses: Set<String> = ["requires_action", "completed", "failed", "cancelled", "expired", "incomplete"]

    /// Whether `run` (a run object) ended as the caller asked.
    static func succeeded(_ run: JSONValue, handledTools: Bool) -> Bool {
        switch run["status"]?.stringValue {
        case "completed": return true
        case "requires_action": return !handledTools
        default: return false
        }
    }

    /// Why the run did not succeed, for one line on stderr: the status and what the run says of
    /// it (`last_error`, else `incomplete_details`, e.g. `{"reason": "max_tokens"}`).
    static func failureLine(_ run: JSONValue) -> String {
        let status = run["status"]?.stringValue ?? "?"
        var line = "run \(run["id"]?.stringValue ?? "?") ended \(status)"
        if let error = run["last_error"], !error.isNull {
            line += ": last_error \(JSONPrinter.compact(error))"
        } else if let details = run["incomplete_details"], !details.isNull {
            line += details["reason"]?.stringValue.map { ", reason \($0)" } ?? ""
            line += " (incomplete_details \(JSONPrinter.compact(details)))"
        } else if status == "requires_action" {
            line += ": it waits for tool outputs that were not given"
        } else if !settledStatuses.contains(status) {
            line += ": it has not ended yet"
        } else {
            line += " (the run gives no last_error or incomplete_details)"
        }
        return line
    }
}
