import JSONCore

/// What `assistd acp` was started with, beyond the backend.
public struct AgentSettings: Sendable {
    public var version: String
    /// `--assistant ID`: every session uses this assistant.
    public var assistantID: String?
    /// `--assistant-model` / `--instructions`: the assistant created for a session otherwise.
    public var assistantModel: String?
    public var instructions: String?
    /// Non-empty when the backend cannot work yet (the hosted service without a key): offered
    /// in `initialize`, and sessions are refused with ACP's `auth_required` until then.
    public var authMethods: [JSONValue] = []
    public var toolCallTimeout: Duration = .seconds(300)
    /// Starts a session's MCP servers; nil: sessions get none (their `mcpServers` are ignored).
    public var launchMCPServers: MCPServerLauncher?

    public init(version: String) {
        self.version = version
    }

    public static let defaultModel = "qwen-max"
    public static let defaultInstructions =
        "You are a coding assistant working in the user's project through their editor. Use the tools to read and change files and to run commands when that helps; say what you changed."
}
