import AssistantAPI
import AssistdSupport
import Bridge
import DashScope
import Foundation
import Inference
import JSONCore
import LocalEngine

/// Builds the backend the command line and environment ask for.
struct BackendFactory {
    let options: CommandLineOptions
    let environment: [String: String]
    /// The process's one logger: every backend and model logs through it.
    let logger: Logger

    /// The hosted backend's trace lines, at debug level; none below it, so that a call does not
    /// build, scrub and drop a line (and parse the answer again for its request id) every time.
    var log: DashScopeLog? {
        guard logger.minimumLevel <= .debug else { return nil }
        return { [logger] line in logger.debug(line) }
    }

    var backendName: String {
        if let backend = options.backend { return backend }
        if let backend = environment["ASSISTD_BACKEND"], !backend.isEmpty { return backend }
        // Either way of giving the hosted service's key chooses it, as README says.
        let keyGiven = ["DASHSCOPE_API_KEY", "DASHSCOPE_API_KEY_FILE_PATH"].contains { !(environment[$0] ?? "").isEmpty }
        return keyGiven ? "dashscope" : "local"
    }

    func makeBackend() throws -> any AssistantBackend {
        switch backendName {
        case "local": return try makeLocal()
        case "dashscope":
            return DashScopeBackend(configuration: try dashScopeConfiguration(), log: log, threadIndex: hostedThreadIndex())
        case let other: throw UsageError(message: "ASSISTD_BACKEND must be local or dashscope, not '\(other)'")
        }
    }

    func dashScopeConfiguration() throws -> DashScopeConfiguration {
        try DashScopeConfiguration.resolve(
            environment: environment, apiKeyFile: options.apiKeyFile, baseURL: options.baseURL, region: options.region,
            workspace: options.workspace)
    }

    /// Per connection: `initialize`'s `initializationOptions` may re-point the hosted backend.
    func backend(for initializationOptions: JSONObject, current: any AssistantBackend) throws -> (any AssistantBackend)? {
        guard let hosted = current as? DashScopeBackend, !initializationOptions.isEmpty else { return nil }
        return DashScopeBackend(
            configuration: try hosted.configuration.overridden(by: initializationOptions), log: log, threadIndex: hosted.threadIndex)
    }

    /// The hosted backend's index of the threads it has seen, in the data dir (in memory with
    /// `--ephemeral`).
    func hostedThreadIndex() -> HostedThreadIndex {
        HostedThreadIndex(directory: options.ephemeral ? nil : options.dataDirectory ?? Store.defaultDataDirectory(environment: environment))
    }

    func makeLocal() throws -> LocalBackend {
        let location: Store.Location = options.ephemeral
            ? .memory : .file(directory: options.dataDirectory ?? Store.defaultDataDirectory(environment: environment))
        var configuration = RunExecutor.Configuration()
        configuration.expirySeconds = options.runExpirySeconds
        configuration.maxRounds = options.maxToolRounds
        return try LocalBackend(location: location, model: try makeModel(), configuration: configuration, logger: logger)
    }

    func makeModel() throws -> any ChatModel {
        let choice = options.model ?? (options.modelURL != nil ? "openai" : "embedded")
        if choice.hasPrefix("scripted:") {
            return try ScriptedChatModel(contentsOf: String(choice.dropFirst("scripted:".count)))
        }
        if choice == "openai" {
            guard let text = options.modelURL, let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
                throw UsageError(message: "--model openai needs --model-url with an http(s) URL")
            }
            var apiKey: String?
            if let name = options.modelAPIKeyEnv {
                guard let value = environment[name], !value.isEmpty else {
                    throw UsageError(message: "--model-api-key-env names \(name), which is not set")
                }
                apiKey = value
            }
            return OpenAIChatModel(configuration: OpenAIChatModelConfiguration(
                baseURL: url, apiKey: apiKey, modelMap: options.modelMap, contextTokens: options.contextTokens ?? 8192,
                connectTimeout: options.modelConnectTimeout ?? OpenAIChatModelConfiguration.defaultConnectTimeout,
                readTimeout: options.modelReadTimeout ?? OpenAIChatModelConfiguration.defaultReadTimeout),
                logger: logger)
        }
        return EmbeddedModelLoader.load(options: options, environment: environment, log: { [logger] line in logger.debug(line) })
    }
}

/// The embedded default model (Qwen2.5-Coder-0.5B-Instruct, else SmolLM2-135M-Instruct, in-process).
/// When its file cannot be used, runs fail with a `last_error` that says what to do, and
/// `initialize` reports `model_available: false` with the same text (`assistd demo` checks that before it starts).
enum EmbeddedModelLoader {
    static let installHint = "assistd model install"

    static func load(options: CommandLineOptions, environment: [String: String], log: @Sendable (String) -> Void) -> any ChatModel {
        switch GGUFLocator.locate(explicitPath: options.ggufPath, environment: environment) {
        case .success(let location):
            log("embedded model: \(location.path) (from \(location.source.description))")
            return EmbeddedChatModel(path: location.path, contextTokens: options.contextTokens)
        case .failure(let problem):
            return UnavailableChatModel(reason: explanation(problem))
        }
    }

    /// The problem, and what to do about it.
    static func explanation(_ problem: GGUFLocatorProblem) -> String {
        switch problem {
        case .notInstalled:
            "\(problem); install it with: \(installHint) (or pass --gguf FILE, set ASSISTD_GGUF, or use --model-url URL)"
        case .unreadable:
            "\(problem)"
        }
    }
}
