import Foundation
import AgentClientProtocol
import AssistdSupport
import Bridge
import JSONRPC

/// Everything the command line can set. Later backends add fields and rows to `CommandLineFlags.all`.
struct CommandLineOptions {
    enum Action { case serve, help, version }

    var action = Action.serve
    var framing = FramingSelection.auto
    var maxMessageBytes = FrameParser.defaultMaxMessageBytes
    var logFile: String?
    /// nil: the command's default (`info` when serving, `warning` for `call` and `demo`).
    var logLevel: LogLevel?
    var tracePath: String?
    /// `assistd call --compact`: the result on one line.
    var compactOutput = false

    // Backend selection (BackendFactory).
    var backend: String?
    // local
    var dataDirectory: String?
    var ephemeral = false
    var model: String?
    var modelURL: String?
    var modelAPIKeyEnv: String?
    var modelConnectTimeout: Double?
    var modelReadTimeout: Double?
    var modelMap: [String: String] = [:]
    var contextTokens: Int?
    var ggufPath: String?
    var runExpirySeconds = 600
    var maxToolRounds = 16
    var toolCallTimeoutSeconds = 300
    var stalledClientTimeoutSeconds = 60
    // acp
    var acpAssistantID: String?
    var acpAssistantModel: String?
    var acpInstructions: String?
    // dashscope
    var apiKeyFile: String?
    var baseURL: String?
    var region: String?
    var workspace: String?
}

struct UsageError: Error {
    let message: String
}

/// One row of the flag table: `--name` alone, or `--name VALUE` / `--name=VALUE` when it has a value.
struct FlagSpec: Sendable {
    let name: String
    let valueName: String?
    let help: String
    let apply: @Sendable (inout CommandLineOptions, String) throws(UsageError) -> Void
}

enum CommandLineFlags {
    static let all: [FlagSpec] = [
        FlagSpec(name: "--stdio", valueName: nil, help: "Serve JSON-RPC on stdin/stdout (the default).") { _, _ in },
        FlagSpec(name: "--framing", valueName: "auto|lsp|ndjson",
                 help: "Message framing; auto (default) decides from the first input byte and answers alike.") { options, value throws(UsageError) in
            guard let framing = FramingSelection(rawValue: value) else {
                throw UsageError(message: "--framing must be auto, lsp or ndjson, not '\(value)'")
            }
            options.framing = framing
        },
        FlagSpec(name: "--max-message-bytes", valueName: "N",
                 help: "Largest accepted message in bytes (default \(FrameParser.defaultMaxMessageBytes), 64 MiB).") { options, value throws(UsageError) in
            guard let bytes = Int(value), bytes > 0 else {
                throw UsageError(message: "--max-message-bytes must be a positive number of bytes, not '\(value)'")
            }
            options.maxMessageBytes = bytes
        },
        FlagSpec(name: "--log-file", valueName: "FILE", help: "Append logs to FILE instead of stderr.") { options, value in
            options.logFile = value
        },
        FlagSpec(name: "--log-level", valueName: "debug|info|warning|error", help: "Least severe level logged (default info; warning for call and demo).") { options, value throws(UsageError) in
            guard let level = LogLevel(name: value) else {
                throw UsageError(message: "--log-level must be debug, info, warning or error, not '\(value)'")
            }
            options.logLevel = level
        },
        FlagSpec(name: "--trace", valueName: "FILE",
                 help: "Write every message in and out to FILE as JSON lines {ts, dir, message}, secrets redacted.") { options, value in
            options.tracePath = value
        },
        FlagSpec(name: "--backend", valueName: "local|dashscope",
                 help: "Which backend serves the API (default: dashscope when DASHSCOPE_API_KEY is set, else local; or ASSISTD_BACKEND).") { options, value throws(UsageError) in
            guard ["local", "dashscope"].contains(value) else { throw UsageError(message: "--backend must be local or dashscope, not '\(value)'") }
            options.backend = value
        },
        FlagSpec(name: "--data-dir", valueName: "DIR",
                 help: "local: where the database lives; dashscope: the index of the threads seen, for threads/list (default $XDG_DATA_HOME/assistd, else ~/.local/share/assistd).") { options, value in
            options.dataDirectory = value
        },
        FlagSpec(name: "--ephemeral", valueName: nil, help: "keep everything in memory (dashscope: the index of the threads seen); nothing is written to disk.") { options, _ in
            options.ephemeral = true
        },
        FlagSpec(name: "--model", valueName: "embedded|openai|scripted:FILE",
                 help: "local: the chat model (default embedded; openai when --model-url is given). scripted:FILE is a test model.") { options, value throws(UsageError) in
            guard value == "embedded" || value == "openai" || (value.hasPrefix("scripted:") && value.count > 9) else {
                throw UsageError(message: "--model must be embedded, openai or scripted:FILE, not '\(value)'")
            }
            options.model = value
        },
        FlagSpec(name: "--model-url", valueName: "URL",
                 help: "local: an OpenAI-compatible API root (e.g. http://127.0.0.1:8080/v1); /chat/completions is appended.") { options, value in
            options.modelURL = value
        },
        FlagSpec(name: "--model-api-key-env", valueName: "NAME",
                 help: "local: the environment variable holding the OpenAI-compatible server's API key.") { options, value in
            options.modelAPIKeyEnv = value
        },
        FlagSpec(name: "--model-connect-timeout", valueName: "SECONDS",
                 help: "local: longest wait for the model server's response head (default 60; decimals allowed).") { options, value throws(UsageError) in
            options.modelConnectTimeout = try positiveSeconds(value, "--model-connect-timeout")
        },
        FlagSpec(name: "--model-read-timeout", valueName: "SECONDS",
                 help: "local: longest silence while the model server's answer streams (default 60; decimals allowed).") { options, value throws(UsageError) in
            options.modelReadTimeout = try positiveSeconds(value, "--model-read-timeout")
        },
        FlagSpec(name: "--model-map", valueName: "A=B,…",
                 help: "local: map assistant model names to server model names; * is the default.") { options, value throws(UsageError) in
            for pair in value.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw UsageError(message: "--model-map takes NAME=SERVER_NAME pairs separated by commas, not '\(pair)'")
                }
                options.modelMap[parts[0]] = parts[1]
            }
        },
        FlagSpec(name: "--context-tokens", valueName: "N", help: "local: the model's context window (for truncation_strategy auto).") { options, value throws(UsageError) in
            options.contextTokens = try positive(value, "--context-tokens")
        },
        FlagSpec(name: "--gguf", valueName: "FILE", help: "local: the embedded model's GGUF file (else ASSISTD_GGUF, else the models folder: assistd model install).") { options, value in
            options.ggufPath = value
        },
        FlagSpec(name: "--run-expiry", valueName: "SECONDS", help: "local: a run waiting for tool outputs expires this long after creation (default 600).") { options, value throws(UsageError) in
            options.runExpirySeconds = try positive(value, "--run-expiry")
        },
        FlagSpec(name: "--max-tool-rounds", valueName: "N", help: "local: model calls per run before it ends incomplete (default 16).") { options, value throws(UsageError) in
            options.maxToolRounds = try positive(value, "--max-tool-rounds")
        },
        FlagSpec(name: "--tool-call-timeout", valueName: "SECONDS", help: "How long a client's tools/call may take (default 300).") { options, value throws(UsageError) in
            options.toolCallTimeoutSeconds = try positive(value, "--tool-call-timeout")
        },
        FlagSpec(
            name: "--stalled-client-timeout", valueName: "SECONDS",
            help: "End the streams of a client that reads no output for this long while events wait (default 60).") { options, value throws(UsageError) in
            options.stalledClientTimeoutSeconds = try positive(value, "--stalled-client-timeout")
        },
        FlagSpec(name: "--api-key-file", valueName: "FILE",
                 help: "dashscope: read the API key from FILE (else DASHSCOPE_API_KEY). Keys are never taken from a flag's value.") { options, value in
            options.apiKeyFile = value
        },
        FlagSpec(name: "--base-url", valueName: "URL", help: "dashscope: the API base (else DASHSCOPE_HTTP_BASE_URL, else the region's).") { options, value in
            options.baseURL = value
        },
        FlagSpec(name: "--region", valueName: "cn|intl", help: "dashscope: mainland China (default) or international base URL.") { options, value throws(UsageError) in
            guard value == "cn" || value == "intl" else { throw UsageError(message: "--region must be cn or intl, not '\(value)'") }
            options.region = value
        },
        FlagSpec(name: "--workspace", valueName: "ID", help: "dashscope: sent as X-DashScope-WorkSpace (else DASHSCOPE_WORKSPACE_ID).") { options, value in
            options.workspace = value
        },
        FlagSpec(name: "--version", valueName: nil, help: "Print the version and exit.") { options, _ in
            options.action = .version
        },
        FlagSpec(name: "--help", valueName: nil, help: "Print this help and exit.") { options, _ in
            options.action = .help
        },
    ]

    /// Flags only `assistd call` takes, besides the server's.
    static let callOnly: [FlagSpec] = [
        FlagSpec(name: "--compact", valueName: nil, help: "call: print the result on one line (default: indented).") { options, _ in
            options.compactOutput = true
        },
    ]

    /// Flags only `assistd acp` takes, besides the server's.
    static let acpOnly: [FlagSpec] = [
        FlagSpec(name: "--assistant", valueName: "ID", help: "acp: every session uses this assistant.") { options, value in
            options.acpAssistantID = value
        },
        FlagSpec(name: "--assistant-model", valueName: "NAME",
                 help: "acp: the model of the assistant created for a session (default \(AgentSettings.defaultModel)).") { options, value in
            options.acpAssistantModel = value
        },
        FlagSpec(name: "--instructions", valueName: "TEXT", help: "acp: the instructions of the assistant created for a session.") { options, value in
            options.acpInstructions = value
        },
    ]

    static func positive(_ value: String, _ flag: String) throws(UsageError) -> Int {
        guard let number = Int(value), number > 0 else { throw UsageError(message: "\(flag) must be a positive integer, not '\(value)'") }
        return number
    }

    static func positiveSeconds(_ value: String, _ flag: String) throws(UsageError) -> Double {
        guard let seconds = Double(value), seconds.isFinite, seconds > 0 else {
            throw UsageError(message: "\(flag) must be a positive number of seconds, not '\(value)'")
        }
        return seconds
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> CommandLineOptions {
        let (options, positionals) = try parse(arguments, flags: all)
        if let first = positionals.first { throw UsageError(message: "unexpected argument '\(first)'") }
        return options
    }

    /// Flags from `flags` anywhere in `arguments`; everything else (a value that does not start
    /// with `--` and is not a flag's value) comes back as a positional argument, in order.
    static func parse(_ arguments: [String], flags: [FlagSpec]) throws(UsageError) -> (CommandLineOptions, [String]) {
        var options = CommandLineOptions()
        var positionals: [String] = []
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("--") else {
                if argument.hasPrefix("-") && argument != "-" { throw UsageError(message: "unknown flag '\(argument)'") }
                positionals.append(argument)
                continue
            }
            let name: String
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            } else {
                name = argument
            }
            guard let flag = flags.first(where: { $0.name == name }) else {
                throw UsageError(message: "unknown flag '\(name)'")
            }
            if let valueName = flag.valueName {
                guard let value = inlineValue ?? remaining.popFirst() else {
                    throw UsageError(message: "\(name) needs a value (\(valueName))")
                }
                try flag.apply(&options, value)
            } else {
                guard inlineValue == nil else { throw UsageError(message: "\(name) takes no value") }
                try flag.apply(&options, "")
            }
        }
        return (options, positionals)
    }

    static var usage: String {
        var lines = [
            "assistd \(AssistdVersion.current): DashScope's Assistant API as JSON-RPC 2.0 over stdio.",
            "",
            "Usage:",
            "  assistd [--stdio] [flags]                 serve JSON-RPC on stdin/stdout",
            "  assistd acp [flags]                       serve the Agent Client Protocol (NDJSON) on stdin/stdout, for editors",
            "  assistd call METHOD [JSON|-] [flags]      one request in-process; prints the result as JSON",
            "  assistd demo [flags]                      the quick start's big_add flow, streamed to the terminal",
            "  assistd doctor [flags]                    what a run with these flags would use, and whether it works",
            "  assistd model install                     download the embedded model into assistd's models folder",
            "  assistd model status [--gguf FILE]        which model file a run would use, and whether it loads",
            "  assistd install [--prefix DIR]            copy this binary to DIR/bin (default ~/.local/bin)",
            "",
            "call: JSON is the params object ('-' reads it from stdin). A streamed request (\"stream\": true)",
            "prints each runs/event's params as one JSON line as it arrives, then the result. The result is",
            "indented; --compact prints it on one line. A run started without stream is waited for and printed as",
            "it then stands. Exit 0 on success (for a run: it ended completed, or requires_action without",
            "handle_tools); 1 on an error answer (the error object {code, message, data} goes to stderr as one",
            "JSON line) or a run that ended otherwise (stderr says why); usage errors exit 2. demo exits alike.",
            "",
            "Flags:",
        ]
        for flag in all + callOnly + acpOnly {
            let left = flag.valueName.map { "\(flag.name) \($0)" } ?? flag.name
            lines.append("  " + left.padding(toLength: max(34, left.count + 2), withPad: " ", startingAt: 0) + flag.help)
        }
        lines.append("")
        lines.append("The protocol is described in protocol/README.md; rpc.discover returns its OpenRPC document.")
        return lines.joined(separator: "\n")
    }
}

extension CommandLineFlags {
    /// A subcommand's flag error: one line naming the command and the problem, then exit 2.
    static func exitWithUsageError(command: String, _ message: String) -> Never {
        Output.err("assistd\(command.isEmpty ? "" : " " + command): \(message)\nRun 'assistd --help' for the flags.\n")
        exit(2)
    }

    /// `--help` and `--version` answer and exit; serving goes on.
    static func exitIfHelpOrVersion(_ options: CommandLineOptions) {
        switch options.action {
        case .help: print(usage); exit(0)
        case .version: print("assistd \(AssistdVersion.current)"); exit(0)
        case .serve: break
        }
    }
}
