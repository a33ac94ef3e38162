import Foundation

/// How to reach an OpenAI-compatible `/chat/completions` server (OpenAI, DashScope's compatible
/// mode, Ollama, vLLM, llama.cpp's server) and what to send it.
public struct OpenAIChatModelConfiguration: Sendable {
    /// The API root, e.g. `http://127.0.0.1:8080/v1`; the client appends `/chat/completions`.
    public var baseURL: URL
    /// Sent as `Authorization: Bearer …` when set. Never logged, never put in errors or descriptions.
    public var apiKey: String?
    /// Assistant model name → the server's model name; the key `"*"` is the default for
    /// names not listed. A name with no entry and no `"*"` is sent unchanged.
    public var modelMap: [String: String]
    /// The server model's context window, for `truncation_strategy: auto`.
    public var contextTokens: Int
    /// Seconds without any bytes from the server before the request fails as timed out.
    public var requestTimeout: TimeInterval
    /// Whether to send `top_k`. Off by default: OpenAI and several compatible servers
    /// reject unknown sampling fields; llama.cpp, vLLM and DashScope accept it.
    public var sendTopK: Bool

    public init(
        baseURL: URL, apiKey: String? = nil, modelMap: [String: String] = [:], contextTokens: Int = 8192,
        requestTimeout: TimeInterval = 300, sendTopK: Bool = false
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.modelMap = modelMap
        self.contextTokens = contextTokens
        self.requestTimeout = requestTimeout
        self.sendTopK = sendTopK
    }

    /// The model name the server knows for an assistant's model name.
    public func serverModel(for assistantModel: String) -> String {
        modelMap[assistantModel] ?? modelMap["*"] ?? assistantModel
    }

    /// `{baseURL}/chat/completions`, tolerating a trailing slash on the base.
    public var chatCompletionsURL: URL {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + "/chat/completions") ?? baseURL.appendingPathComponent("chat/completions")
    }
}

/// Descriptions and mirrors (`print`, `dump`, string interpolation) leave the API key out.
extension OpenAIChatModelConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "openai \(baseURL.absoluteString) (api key: \(apiKey == nil ? "none" : "set"), models: \(modelMap.sorted { $0.key < $1.key }.map { "\($0.key)→\($0.value)" }.joined(separator: ", ")), context: \(contextTokens) tokens, timeout: \(Int(requestTimeout)) s, top_k: \(sendTopK ? "sent" : "not sent"))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "baseURL": baseURL, "apiKey": apiKey == nil ? "none" : "[redacted]", "modelMap": modelMap,
                "contextTokens": contextTokens, "requestTimeout": requestTimeout, "sendTopK": sendTopK,
            ], displayStyle: .struct)
    }
}
