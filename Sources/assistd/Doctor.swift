import AssistantAPI
import Bridge
import DashScope
import Foundation
import LocalEngine

/// The checks behind `assistd doctor`. Never prints a secret: an API key is reported by where
/// it comes from, never by its value.
struct Doctor {
    let options: CommandLineOptions
    let environment: [String: String]

    struct Finding {
        static let ok = "ok", fail = "FAIL", info = "--"
        let mark: String
        let subject: String
        let text: String
    }

    var factory: BackendFactory { BackendFactory(options: options, environment: environment, logger: .disabled) }

    func findings() -> [Finding] {
        var findings = [Finding(
            mark: Finding.info, subject: "version",
            text: "assistd \(AssistdVersion.current) at \(InstallCommand.ownExecutable())")]
        let backend = factory.backendName
        switch backend {
        case "local":
            findings.append(Finding(mark: Finding.ok, subject: "backend", text: "local (\(backendReason))"))
            findings.append(modelFinding())
            findings.append(dataDirectoryFinding())
        case "dashscope":
            findings.append(Finding(mark: Finding.ok, subject: "backend", text: "dashscope (\(backendReason))"))
        default:
            findings.append(Finding(mark: Finding.fail, subject: "backend", text: "'\(backend)' from ASSISTD_BACKEND is neither local nor dashscope"))
        }
        findings += hostedFindings(needed: backend == "dashscope")
        return findings
    }

    var backendReason: String {
        if options.backend != nil { return "--backend" }
        if let value = environment["ASSISTD_BACKEND"], !value.isEmpty { return "ASSISTD_BACKEND" }
        return factory.backendName == "dashscope" ? "DASHSCOPE_API_KEY is set" : "the default: DASHSCOPE_API_KEY is not set"
    }

    // MARK: local

    func modelFinding() -> Finding {
        let choice = options.model ?? (options.modelURL != nil ? "openai" : "embedded")
        if choice.hasPrefix("scripted:") {
            let path = String(choice.dropFirst("scripted:".count))
            do {
                _ = try ScriptedChatModel(contentsOf: path)
                return Finding(mark: Finding.ok, subject: "model", text: "scripted test model \(path)")
            } catch {
                return Finding(mark: Finding.fail, subject: "model", text: "scripted test model \(path): \(error)")
            }
        }
        if choice == "openai" {
            guard let text = options.modelURL, let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
                return Finding(mark: Finding.fail, subject: "model", text: "--model openai needs --model-url with an http(s) URL")
            }
            return reachability(subject: "model", name: "OpenAI-compatible server \(text)",
                                url: url.appendingPathComponent("models"), method: "GET", needed: true)
        }
        let check = EmbeddedModelCheck(ggufPath: options.ggufPath, environment: environment)
        switch check.location {
        case .success(let location):
            let text = "embedded \(location.path) (chosen by \(EmbeddedModelCheck.describe(location.source, environment: environment))); loads: \(check.loadText)"
            return Finding(mark: check.loads ? Finding.ok : Finding.fail, subject: "model", text: text)
        case .failure(let problem):
            return Finding(mark: Finding.fail, subject: "model", text: EmbeddedModelLoader.explanation(problem))
        }
    }

    func dataDirectoryFinding() -> Finding {
        if options.ephemeral { return Finding(mark: Finding.info, subject: "data dir", text: "none: --ephemeral keeps everything in memory") }
        let directory = options.dataDirectory ?? Store.defaultDataDirectory(environment: environment)
        var info = stat()
        if stat(directory, &info) == 0 {
            let mode = "mode 0" + String(info.st_mode & 0o7777, radix: 8)
            guard info.st_mode & S_IFMT == S_IFDIR else {
                return Finding(mark: Finding.fail, subject: "data dir", text: "\(directory) is not a directory")
            }
            guard access(directory, W_OK | X_OK) == 0 else {
                return Finding(mark: Finding.fail, subject: "data dir", text: "\(directory) (\(mode)) is not writable: \(String(cString: strerror(errno)))")
            }
            return Finding(mark: Finding.ok, subject: "data dir", text: "\(directory) (\(mode), writable)")
        }
        var ancestor = (directory as NSString).deletingLastPathComponent
        while !ancestor.isEmpty, ancestor != "/", !FileManager.default.fileExists(atPath: ancestor) {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        guard access(ancestor.isEmpty ? "." : ancestor, W_OK | X_OK) == 0 else {
            return Finding(mark: Finding.fail, subject: "data dir", text: "\(directory) does not exist and cannot be created in \(ancestor)")
        }
        return Finding(mark: Finding.ok, subject: "data dir", text: "\(directory) (not created yet; the first run creates it)")
    }

    // MARK: hosted

    /// Where the key would come from (the order `DashScopeConfiguration.resolve` reads them in).
    var keySource: String? {
        if let file = options.apiKeyFile { return "--api-key-file \(file)" }
        if let value = environment["DASHSCOPE_API_KEY"], !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return "DASHSCOPE_API_KEY"
        }
        if let path = environment["DASHSCOPE_API_KEY_FILE_PATH"], !path.isEmpty { return "DASHSCOPE_API_KEY_FILE_PATH \(path)" }
        return nil
    }

    /// The API key and the service: failures count when the dashscope backend is the one in use.
    func hostedFindings(needed: Bool) -> [Finding] {
        let failMark = needed ? Finding.fail : Finding.info
        guard let source = keySource else {
            return [Finding(mark: failMark, subject: "API key",
                            text: "not set (DASHSCOPE_API_KEY, DASHSCOPE_API_KEY_FILE_PATH or --api-key-file)")]
        }
        let configuration: DashScopeConfiguration
        do {
            configuration = try factory.dashScopeConfiguration()
        } catch {
            return [Finding(mark: failMark, subject: "API key", text: "from \(source): \((error as? APIError)?.message ?? "\(error)")")]
        }
        guard let url = URL(string: configuration.baseURL) else {
            return [Finding(mark: failMark, subject: "hosted service", text: "\(configuration.baseURL) is not a URL")]
        }
        return [
            Finding(mark: configuration.apiKey.isEmpty ? failMark : Finding.ok, subject: "API key",
                    text: configuration.apiKey.isEmpty ? "empty (from \(source))" : "present (from \(source); its value is never shown)"),
            reachability(subject: "hosted service", name: configuration.baseURL, url: url, method: "HEAD", needed: needed),
        ]
    }

    func reachability(subject: String, name: String, url: URL, method: String, needed: Bool) -> Finding {
        switch ReachabilityProbe.probe(url, method: method) {
        case .answered(let status, let seconds):
            return Finding(mark: Finding.ok, subject: subject,
                           text: "\(name) reachable (HTTP \(status) in \(String(format: "%.2f", seconds)) s)")
        case .failed(let reason):
            return Finding(mark: needed ? Finding.fail : Finding.info, subject: subject, text: "\(name) unreachable: \(reason)")
        }
    }
}
