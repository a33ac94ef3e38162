import AssistdSupport
import JSONCore
import JSONRPC
import MCPClient

extension SessionToolSet {
    /// The `MCPServerLauncher` of `assistd acp`: starts a session's `mcpServers` with `MCPClient`
    /// (in the session's cwd) and offers their tools as the session's external tools, named
    /// `SERVER__TOOL` and titled `SERVER: TOOL` (protocol/acp.md, "MCP servers").
    ///
    /// An entry that is not a stdio server, or is malformed, fails the request with -32602 naming
    /// it; a server that cannot be started is left out (its reason is logged) and the session
    /// starts with the others.
    public static func mcpLauncher(options: MCPClientOptions, logger: Logger) -> MCPServerLauncher {
        { servers, cwd in
            var configs: [MCPServerConfig] = []
            for (index, entry) in servers.enumerated() {
                let path = "mcpServers[\(index)]"
                do {
                    configs.append(try MCPServerConfig(acp: entry, path: path, workingDirectory: cwd))
                } catch {
                    throw JSONRPCError.invalidParams("\(error)", path: path)
                }
            }
            return SessionToolSet(await MCPToolSet.start(configs, options: options, logger: logger))
        }
    }

    /// The tools of started MCP servers; `stop` stops the servers.
    public init(_ set: MCPToolSet) {
        let tools = set.routes.map { route in
            ExternalTool(
                name: route.functionName, description: route.tool.description ?? route.tool.title ?? "",
                parameters: route.tool.inputSchema, title: "\(route.server): \(route.tool.title ?? route.tool.name)"
            ) { arguments in
                let result = await set.call(function: route.functionName, arguments: arguments)
                return (result.text, result.isError)
            }
        }
        self.init(tools: tools, stop: { await set.stop() })
    }
}
