import AssistantAPI
import JSONCore

/// How the end of a run answers `session/prompt`: a `stopReason`, or (for a failed run) a
/// JSON-RPC error that carries the run's `last_error`. Pure, so it is unit-tested on its own.
public enum PromptOutcome: Equatable, Sendable {
    case stop(String)
    case failure(code: String, message: String)

    /// `cancelRequested`: the client sent `session/cancel`; ACP then wants `cancelled` whatever
    /// the run did last.
    public static func of(_ run: Run, cancelRequested: Bool) -> PromptOutcome {
        if cancelRequested { return .stop("cancelled") }
        switch run.status {
        case .completed: return .stop("end_turn")
        case .incomplete:
            switch run.incompleteDetails?.reason {
            case "content_filter"?: return .stop("refusal")
            case "max_rounds"?: return .stop("max_turn_requests")
            default: return .stop("max_tokens")
            }
        case .cancelled, .cancelling: return .stop("cancelled")
        case .failed:
            let error = run.lastError ?? LastError(code: "server_error", message: "The run failed without saying why.")
            return isRefusal(error.code) ? .stop("refusal") : .failure(code: error.code, message: error.message)
        case .expired:
            return .failure(code: "expired", message: "The run expired before it finished.")
        default:
            return .failure(code: "server_error", message: "The run's stream ended while the run was \(run.status.rawValue).")
        }
    }

    /// The service's words for a reply it withheld (content moderation).
    static func isRefusal(_ code: String) -> Bool {
        let lowered = code.lowercased()
        return lowered.contains("datainspection") || lowered.contains("data_inspection") || lowered.contains("content_filter")
            || lowered.contains("refus")
    }
}
