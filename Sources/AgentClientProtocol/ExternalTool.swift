import JSONCore

/// A function tool a session's runs may call that neither the backend nor the client runs: an
/// MCP server's, started for the session. `call` takes the model's arguments (its JSON text)
/// and answers the output text for the model, whether the tool reported an error, and the
/// content blocks to show (MCP's blocks have ACP's shapes; empty: the text is shown).
public struct ExternalTool: Sendable {
    public let name: String
    public let description: String
    public let parameters: JSONValue
    /// Shown as the tool call's title, e.g. "files: search".
    public let title: String
    public let call: @Sendable (String) async throws -> ExternalToolResult

    public init(
        name: String, description: String, parameters: JSONValue, title: String,
        call: @escaping @Sendable (String) async throws -> ExternalToolResult
    ) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.title = title
        self.call = call
    }

    var definition: JSONValue {
        ["type": "function", "function": ["name": .string(name), "description": .string(description), "parameters": parameters]]
    }
}

public struct ExternalToolResult: Sendable {
    public var output: String
    public var isError: Bool
    public var content: [JSONValue]

    public init(output: String, isError: Bool, content: [JSONValue] = []) {
        self.output = output
        self.isError = isError
        self.content = content
    }
}

/// The tools of a session's MCP servers, and how to stop the servers.
public struct SessionToolSet: Sendable {
    public var tools: [ExternalTool]
    public var stop: @Sendable () async -> Void

    public init(tools: [ExternalTool], stop: @escaping @Sendable () async -> Void) {
        self.tools = tools
        self.stop = stop
    }

    public static let empty = SessionToolSet(tools: [], stop: {})
}

/// Starts the MCP servers a `session/new` or `session/load` names (`mcpServers`) for a session
/// whose project directory is `cwd`.
public typealias MCPServerLauncher = @Sendable (_ servers: [JSONValue], _ cwd: String) async throws -> SessionToolSet
