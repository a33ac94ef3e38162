import AssistantAPI
import Foundation
import JSONCore
import JSONRPC

/// Runs one function call of a paused run and shows it to the client: `tool_call` (pending),
/// then `tool_call_update`s in_progress and completed or failed. Answers the output text the
/// run is given.
struct ToolCallRunner: Sendable {
    let turn: PromptTurn

    var session: Session { turn.session }

    func run(_ call: ToolCall) async -> String {
        let name = call.function?.name ?? call.type
        let argumentsText = call.function?.arguments ?? "{}"
        let arguments = (try? JSONValue.parse(Array(argumentsText.utf8))) ?? .object([:])
        let clientTool = ClientTool(rawValue: name).flatMap { ClientTool.offered(to: turn.capabilities).contains($0) ? $0 : nil }
        let external = session.externalTools.tools.first { $0.name == name }
        let title = clientTool.map { Self.title(of: $0, arguments) } ?? external?.title ?? name
        let path = arguments["path"]?.stringValue.map(resolve)
        do {
            let diff = clientTool == .writeTextFile ? await proposedDiff(arguments) : nil
            try await turn.send(SessionUpdate.toolCall(
                id: call.id, title: title, kind: clientTool?.kind ?? "other", rawInput: arguments,
                locations: path.map { [$0] } ?? [], content: diff.map { [$0] } ?? []))
            let (output, failed): (String, Bool)
            var blocks: [JSONValue] = []
            if let clientTool {
                if clientTool.needsPermission, !(try await permitted(call, tool: clientTool, title: title, arguments: arguments, diff: diff)) {
                    try await turn.send(SessionUpdate.toolCallStatus(id: call.id, status: "failed", output: "The user declined."))
                    return "Error: the user declined to allow \(name)."
                }
                try await turn.send(SessionUpdate.toolCallStatus(id: call.id, status: "in_progress"))
                (output, failed) = try await runClientTool(clientTool, call, arguments)
            } else if let external {
                try await turn.send(SessionUpdate.toolCallStatus(id: call.id, status: "in_progress"))
                let result = try await external.call(argumentsText)
                (output, failed, blocks) = (result.output, result.isError, result.content)
            } else {
                (output, failed) = ("Error: no tool named \(name) is available here.", true)
            }
            try await turn.send(SessionUpdate.toolCallStatus(id: call.id, status: failed ? "failed" : "completed", output: output, blocks: blocks))
            return output
        } catch {
            let message = "Error: \(name) failed: \(Self.describe(error))"
            try? await turn.send(SessionUpdate.toolCallStatus(id: call.id, status: "failed", output: message))
            return message
        }
    }

    /// Relative paths are the project's: ACP's file methods take absolute paths.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: session.cwd).appendingPathComponent(path).standardizedFileURL.path
    }

    static func title(of tool: ClientTool, _ arguments: JSONValue) -> String {
        switch tool {
        case .readTextFile: "Read \(arguments["path"]?.stringValue ?? "a file")"
        case .writeTextFile: "Write \(arguments["path"]?.stringValue ?? "a file")"
        case .runCommand:
            "Run " + ([arguments["command"]?.stringValue ?? ""] + (arguments["args"]?.arrayValue ?? []).compactMap(\.stringValue)).joined(separator: " ")
        }
    }

    /// `session/request_permission`: allow once, allow always (for this session), or reject.
    private func permitted(_ call: ToolCall, tool: ClientTool, title: String, arguments: JSONValue, diff: JSONValue?) async throws -> Bool {
        if session.isAlwaysAllowed(tool.rawValue) { return true }
        var toolCall: JSONObject = [
            "toolCallId": .string(call.id), "title": .string(title), "kind": .string(tool.kind), "status": "pending", "rawInput": arguments,
        ]
        if let diff { toolCall["content"] = [diff] }
        let answer = try await request("session/request_permission", [
            "toolCall": .object(toolCall),
            "options": [
                ["optionId": "allow_once", "name": "Allow", "kind": "allow_once"],
                ["optionId": "allow_always", "name": .string("Always allow \(tool.rawValue)"), "kind": "allow_always"],
                ["optionId": "reject_once", "name": "Reject", "kind": "reject_once"],
            ],
        ])
        guard answer["outcome"]?["outcome"]?.stringValue == "selected", let option = answer["outcome"]?["optionId"]?.stringValue else {
            return false
        }
        if option == "allow_always" { session.allowAlways(tool.rawValue) }
        return option == "allow_once" || option == "allow_always"
    }

    private func runClientTool(_ tool: ClientTool, _ call: ToolCall, _ arguments: JSONValue) async throws -> (String, Bool) {
        switch tool {
        case .readTextFile:
            guard let path = arguments["path"]?.stringValue else { return ("Error: path is required.", true) }
            var params: JSONObject = ["path": .string(resolve(path))]
            if let line = arguments["line"]?.intValue { params["line"] = .int(line) }
            if let limit = arguments["limit"]?.intValue { params["limit"] = .int(limit) }
            let answer = try await request("fs/read_text_file", params)
            return (answer["content"]?.stringValue ?? "", false)
        case .writeTextFile:
            guard let path = arguments["path"]?.stringValue, let content = arguments["content"]?.stringValue else {
                return ("Error: path and content are required.", true)
            }
            _ = try await request("fs/write_text_file", ["path": .string(resolve(path)), "content": .string(content)])
            return ("Wrote \(content.utf8.count) bytes to \(resolve(path)).", false)
        case .runCommand:
            return try await runCommand(call, arguments)
        }
    }

    /// The change a `write_text_file` call proposes, for the editor to show (and the user to
    /// judge): the file's current text read through the client when it can, else none.
    private func proposedDiff(_ arguments: JSONValue) async -> JSONValue? {
        guard let path = arguments["path"]?.stringValue.map(resolve), let content = arguments["content"]?.stringValue else { return nil }
        var oldText: String?
        if turn.capabilities.readTextFile {
            oldText = (try? await request("fs/read_text_file", ["path": .string(path)]))?["content"]?.stringValue
        }
        return SessionUpdate.diff(path: path, oldText: oldText, newText: content)
    }

    /// `terminal/create`, wait for its exit, read its output, release it.
    private func runCommand(_ call: ToolCall, _ arguments: JSONValue) async throws -> (String, Bool) {
        guard let command = arguments["command"]?.stringValue else { return ("Error: command is required.", true) }
        let args = (arguments["args"]?.arrayValue ?? []).compactMap(\.stringValue)
        let created = try await request("terminal/create", [
            "command": .string(command), "args": .array(args.map { .string($0) }), "cwd": .string(session.cwd),
            "outputByteLimit": 65536,
        ])
        guard let terminal = created["terminalId"]?.stringValue else { return ("Error: the client gave no terminal id.", true) }
        try await turn.send(SessionUpdate.terminal(id: call.id, terminalID: terminal))
        defer { Task { [turn] in _ = try? await ToolCallRunner(turn: turn).request("terminal/release", ["terminalId": .string(terminal)]) } }
        let exit = try await request("terminal/wait_for_exit", ["terminalId": .string(terminal)])
        let output = try await request("terminal/output", ["terminalId": .string(terminal)])
        let code = exit["exitCode"]?.intValue
        let status = code.map { "exit status \($0)" } ?? "ended by signal \(exit["signal"]?.stringValue ?? "?")"
        return ((output["output"]?.stringValue ?? "") + "\n(\(status))", code != 0)
    }

    func request(_ method: String, _ params: JSONObject) async throws -> JSONValue {
        var withSession = params
        withSession["sessionId"] = .string(session.id)
        return try await turn.channel.sendRequest(method: method, params: .object(withSession), timeout: turn.toolCallTimeout)
    }

    static func describe(_ error: any Error) -> String {
        if let rpc = error as? JSONRPCError { return rpc.message }
        if let api = error as? APIError { return api.message }
        return String(describing: error)
    }
}
