import Bridge
import JSONRPC

/// Everything the command line can set. Later backends add fields and rows to `CommandLineFlags.all`.
struct CommandLineOptions {
    enum Action { case serve, help, version }

    var action = Action.serve
    var framing = FramingSelection.auto
    var maxMessageBytes = FrameParser.defaultMaxMessageBytes
    var logFile: String?
    var logLevel = LogLevel.info
    var tracePath: String?
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
        FlagSpec(name: "--log-level", valueName: "debug|info|warning|error", help: "Least severe level logged (default info).") { options, value throws(UsageError) in
            guard let level = LogLevel(name: value) else {
                throw UsageError(message: "--log-level must be debug, info, warning or error, not '\(value)'")
            }
            options.logLevel = level
        },
        FlagSpec(name: "--trace", valueName: "FILE",
                 help: "Write every message in and out to FILE as JSON lines {ts, dir, message}, secrets redacted.") { options, value in
            options.tracePath = value
        },
        FlagSpec(name: "--version", valueName: nil, help: "Print the version and exit.") { options, _ in
            options.action = .version
        },
        FlagSpec(name: "--help", valueName: nil, help: "Print this help and exit.") { options, _ in
            options.action = .help
        },
    ]

    static func parse(_ arguments: [String]) throws(UsageError) -> CommandLineOptions {
        var options = CommandLineOptions()
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            let name: String
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            } else {
                name = argument
            }
            guard let flag = all.first(where: { $0.name == name }) else {
                throw UsageError(message: name.hasPrefix("-") ? "unknown flag '\(name)'" : "unexpected argument '\(argument)'")
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
        return options
    }

    static var usage: String {
        var lines = [
            "assistd \(AssistdVersion.current): DashScope's Assistant API as JSON-RPC 2.0 over stdio.",
            "",
            "Usage: assistd [--stdio] [flags]",
            "",
            "Flags:",
        ]
        for flag in all {
            let left = flag.valueName.map { "\(flag.name) \($0)" } ?? flag.name
            lines.append("  " + left.padding(toLength: max(34, left.count + 2), withPad: " ", startingAt: 0) + flag.help)
        }
        lines.append("")
        lines.append("The protocol is described in protocol/README.md; rpc.discover returns its OpenRPC document.")
        return lines.joined(separator: "\n")
    }
}
