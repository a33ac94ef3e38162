import Foundation
import JSONCore
import TestSupport
import XCTest

/// An `AssistdSession` with assistd started as `--backend dashscope` against a fake DashScope
/// server. It is not initialized: the tests call `initialize` with their own options. `tools/call`
/// requests are refused unless the test sets `toolHandler`.
final class DashScopeSession: AssistdSession, @unchecked Sendable {
    let fake: FakeDashScopeServer

    /// The child's environment: this process's, less any DashScope settings of the machine
    /// running the tests, plus `environment`.
    static func childEnvironment(_ environment: [String: String]) -> [String: String] {
        var result = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DASHSCOPE_") && $0.key != "ASSISTD_BACKEND" }
        result.merge(environment) { _, new in new }
        return result
    }

    /// Starts assistd with `--backend dashscope --base-url <fake> --workspace ws-test` (unless
    /// `arguments` name their own) and the key in DASHSCOPE_API_KEY (unless `environment` says otherwise).
    init(
        fake: FakeDashScopeServer? = nil, arguments: [String] = [], environment: [String: String]? = nil,
        framing: ClientFraming = .ndjson
    ) throws {
        let fake = try fake ?? FakeDashScopeServer()
        self.fake = fake
        var flags = ["--backend", "dashscope"]
        if !arguments.contains("--base-url") { flags += ["--base-url", fake.baseURL] }
        if !arguments.contains("--workspace") { flags += ["--workspace", "ws-test"] }
        try super.init(
            arguments: flags + arguments, environment: Self.childEnvironment(environment ?? ["DASHSCOPE_API_KEY": FakeDashScopeServer.apiKey]),
            framing: framing, initialize: false)
        toolHandler = { _ in .error(code: -32000, message: "the test client refused") }
    }

    // MARK: fixtures

    static let weatherTool: JSONValue = [
        "type": "function",
        "function": [
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": [
                "type": "object",
                "properties": ["location": ["type": "string", "description": "The city"]],
                "required": ["location"],
            ],
        ],
    ]

    /// An assistant, and a thread holding one user message; returns their ids.
    func assistantAndThread(saying text: String, tools: [JSONValue] = []) throws -> (assistant: String, thread: String) {
        var params: JSONObject = ["model": "qwen-max", "instructions": "You are helpful."]
        if !tools.isEmpty { params["tools"] = .array(tools) }
        let assistant = try call("assistants/create", .object(params))["id"]?.stringValue ?? ""
        let thread = try call("threads/create", ["messages": [["role": "user", "content": .string(text)]]])["id"]?.stringValue ?? ""
        return (assistant, thread)
    }

    /// The text of a stream's `thread.message.delta` events.
    static func deltaText(_ events: [JSONValue]) -> String {
        events.filter { $0["event"] == "thread.message.delta" }
            .compactMap { $0["data"]?["delta"]?["content"]?.arrayValue?.first?["text"]?["value"]?.stringValue }
            .joined()
    }
}

extension JSONValue {
    /// `self[key]` as a string, "" when absent (keeps assertions short).
    func text(_ key: String) -> String { self[key]?.stringValue ?? "" }
}
