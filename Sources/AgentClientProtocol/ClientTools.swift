import JSONCore

/// The function tools assistd adds to every run when the client can run them (protocol/acp.md
/// § Built-in tools): the model's calls go to the client's `fs/*` and `terminal/*` methods.
public enum ClientTool: String, Sendable, CaseIterable {
    case readTextFile = "read_text_file"
    case writeTextFile = "write_text_file"
    case runCommand = "run_command"

    /// The tools `capabilities` allow, in a fixed order.
    public static func offered(to capabilities: ClientCapabilities) -> [ClientTool] {
        allCases.filter {
            switch $0 {
            case .readTextFile: capabilities.readTextFile
            case .writeTextFile: capabilities.writeTextFile
            case .runCommand: capabilities.terminal
            }
        }
    }

    /// Whether the user is asked first (`session/request_permission`).
    var needsPermission: Bool { self != .readTextFile }

    /// ACP's `ToolKind`, for the client's icon.
    var kind: String {
        switch self {
        case .readTextFile: "read"
        case .writeTextFile: "edit"
        case .runCommand: "execute"
        }
    }

    /// The tool's definition as a run's `tools` entry.
    public var definition: JSONValue {
        ["type": "function", "function": ["name": .string(rawValue), "description": .string(summary), "parameters": parameters]]
    }

    private var summary: String {
        switch self {
        case .readTextFile: "Read a text file of the user's project (through the editor, which sees unsaved changes)."
        case .writeTextFile: "Write a text file of the user's project, replacing its content. The user is asked first."
        case .runCommand: "Run a command in the user's terminal and return its output and exit status. The user is asked first."
        }
    }

    private var parameters: JSONValue {
        switch self {
        case .readTextFile:
            return ["type": "object", "required": ["path"], "properties": [
                "path": ["type": "string", "description": "Absolute path, or relative to the project directory"],
                "line": ["type": "integer", "description": "First line to read, 1-based (optional)"],
                "limit": ["type": "integer", "description": "Most lines to read (optional)"],
            ]]
        case .writeTextFile:
            return ["type": "object", "required": ["path", "content"], "properties": [
                "path": ["type": "string", "description": "Absolute path, or relative to the project directory"],
                "content": ["type": "string", "description": "The file's whole new content"],
            ]]
        case .runCommand:
            return ["type": "object", "required": ["command"], "properties": [
                "command": ["type": "string", "description": "The program to run"],
                "args": ["type": "array", "items": ["type": "string"], "description": "Its arguments"],
            ]]
        }
    }
}
