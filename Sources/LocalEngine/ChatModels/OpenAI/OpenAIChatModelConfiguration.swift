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
    /// The longest wait, in seconds, from sending a request to the response head (connecting
    /// and the server accepting the request): `--model-connect-timeout`.
    public var connectTimeout: TimeInterval
    /// The longest silence, in seconds, while the answer streams: `--model-read-timeout`. A slow
    /// but steady stream is never cut; a server that sends its head and then nothing fails
    /// the turn after this long.
    public var readTimeout: TimeInterval
    /// Whether to send `top_k`. Off by default: OpenAI and several compatible servers
    /// reject unknown sampling fields; llama.cpp, vLLM and DashScope accept it.
    public var sendTopK: Bool

    public init(
        baseURL: URL, apiKey: String? = nil, modelMap: [String: String] = [:], contextTokens: Int = 8192,
        connectTimeout: TimeInterval = OpenAIChatModelConfiguration.defaultConnectTimeout,
        readTimeout: TimeInterval = OpenAIChatModelConfiguration.defaultReadTimeout, sendTopK: Bool = false
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.modelMap = modelMap
        self.contextTokens = contextTokens
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.sendTopK = sendTopK
    }

    public static let defaultConnectTimeout: TimeInterval = 60
    public static let defaultReadTimeout: TimeInterval = 60

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
        "openai \(baseURL.absoluteString) (api key: \(apiKey == nil ? "none" : "set"), models: \(modelMap.sorted { $0.key < $1.key }.map { "\($0.key)→\($0.value)" }.joined(separator: ", ")), context: \(contextTokens) tokens, timeouts: connect \(connectTimeout.formatted()) s, read \(readTimeout.formatted()) s, top_k: \(sendTopK ? "sent" : "not sent"))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "baseURL": baseURL, "apiKey": apiKey == nil ? "none" : "[redacted]", "modelMap": modelMap,
                "contextTokens": contextTokens, "connectTimeout": connectTimeout, "readTimeout": readTimeout,
                "sendTopK": sendTopK,
            ], displayStyle: .struct)
    }
}
