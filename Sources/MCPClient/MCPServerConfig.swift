import JSONCore

/// How to start one MCP server over stdio: what ACP's `session/new` gives in `mcpServers` as an
/// `McpServerStdio` (`{name, command, args, env: [{name, value}]}`).
public struct MCPServerConfig: Sendable, Equatable {
    /// The client's label for the server; the prefix of its function tools' names.
    public var name: String
    /// An absolute path, or a name looked up in the `PATH` the server will see.
    public var command: String
    public var arguments: [String]
    /// Set on top of assistd's own environment, in order (a later duplicate wins).
    public var environment: [EnvironmentVariable]
    /// The server's working directory (the ACP session's `cwd`); nil: assistd's own.
    public var workingDirectory: String?

    public struct EnvironmentVariable: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(name: String, command: String, arguments: [String] = [], environment: [EnvironmentVariable] = [], workingDirectory: String? = nil) {
        self.name = name
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// Reads one entry of ACP's `mcpServers`. Stdio is the only transport spoken: an entry with
    /// `"type": "http"` or `"sse"` is `MCPError.unsupportedTransport`; a missing or mistyped field is
    /// `MCPError.invalidConfig` naming it (`path` is where the entry sits, e.g. `mcpServers[0]`).
    public init(acp entry: JSONValue, path: String, workingDirectory: String? = nil) throws(MCPError) {
        guard let object = entry.objectValue else {
            throw .invalidConfig("\(path) must be an object, got \(entry.typeName)")
        }
        guard let name = object["name"]?.stringValue, !name.isEmpty else {
            throw .invalidConfig("\(path).name must be a non-empty string")
        }
        if let type = object["type"], type != "stdio" {
            throw .unsupportedTransport(server: name, transport: type.stringValue ?? type.typeName)
        }
        guard let command = object["command"]?.stringValue, !command.isEmpty else {
            throw .invalidConfig("\(path).command must be a non-empty string")
        }
        var arguments: [String] = []
        for (index, argument) in (try Self.array(object["args"], "\(path).args")).enumerated() {
            guard let text = argument.stringValue else { throw .invalidConfig("\(path).args[\(index)] must be a string") }
            arguments.append(text)
        }
        var environment: [EnvironmentVariable] = []
        for (index, variable) in (try Self.array(object["env"], "\(path).env")).enumerated() {
            guard let variableName = variable["name"]?.stringValue, !variableName.isEmpty, !variableName.contains("="),
                let value = variable["value"]?.stringValue
            else {
                throw .invalidConfig("\(path).env[\(index)] must be {\"name\": string without '=', \"value\": string}")
            }
            environment.append(EnvironmentVariable(name: variableName, value: value))
        }
        self.init(name: name, command: command, arguments: arguments, environment: environment, workingDirectory: workingDirectory)
    }

    private static func array(_ value: JSONValue?, _ path: String) throws(MCPError) -> [JSONValue] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?: return items
        case let other?: throw .invalidConfig("\(path) must be an array, got \(other.typeName)")
        }
    }
}
