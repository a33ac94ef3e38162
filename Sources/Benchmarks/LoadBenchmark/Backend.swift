import Foundation

/// How each assistd of the benchmark is started: the scripted TEST model, or the hosted backend.
struct Backend: Sendable {
    let arguments: [String]
    let environment: [String: String]?
    /// The `model` of the benchmark's assistant.
    let model: String

    static func scripted(script: String) -> Backend {
        Backend(
            arguments: ["--ephemeral", "--framing", "ndjson", "--model", "scripted:\(script)", "--log-level", "error"],
            environment: nil, model: "scripted")
    }

    static func hosted(baseURL: String, apiKey: String) -> Backend {
        var environment = ProcessInfo.processInfo.environment
        environment["DASHSCOPE_API_KEY"] = apiKey
        return Backend(
            arguments: ["--backend", "dashscope", "--base-url", baseURL, "--framing", "ndjson", "--log-level", "error"],
            environment: environment, model: "qwen-max")
    }
}

/// Microseconds as milliseconds with one decimal (the bare fake answers in well under a millisecond).
func milliseconds(_ microseconds: Int64) -> String { String(format: "%.1f", Double(microseconds) / 1000) }
