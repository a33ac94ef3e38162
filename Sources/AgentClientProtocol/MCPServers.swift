import AssistdSupport
import JSONCore
import JSONRPC
import MCPClient

/// A session's `mcpServers`, started with `MCPClient` (protocol/acp-mcp.md): each server's tools
/// become the session's external tools, named `<server>__<tool>`.
public enum MCPServers {
    public static func launcher(options: MCPClientOptions, logger: Logger) -> MCPServerLauncher {
        { servers, cwd in
            var configs: [MCPServerConfig] = []
            for (index, entry) in servers.enumerated() {
                do {
                    configs.append(try MCPServerConfig(acp: entry, path: "mcpServers[\(index)]", workingDirectory: cwd))
                } catch MCPError.unsupportedTransport(let server, let transport) {
                    // Declared unsupported in mcpCapabilities; a client that sends one anyway still gets its session.
                    logger.warning("acp: MCP server '\(server)' is not started: the \(transport) transport is not supported (only stdio)")
                } catch let error as MCPError {
                    throw JSONRPCError.invalidParams(error.description, path: "mcpServers[\(index)]")
                }
            }
            if configs.isEmpty { return .empty }
            let set = await MCPToolSet.start(configs, options: options, logger: logger)
            let tools = set.routes.map { route in
                ExternalTool(
                    name: route.functionName, description: route.tool.description ?? route.tool.title ?? route.tool.name,
                    parameters: route.tool.inputSchema, title: "\(route.server): \(route.tool.title ?? route.tool.name)",
                    call: { arguments in
                        let result = await set.call(function: route.functionName, arguments: arguments)
                        return ExternalToolResult(output: result.text, isError: result.isError, content: result.content)
                    })
            }
            return SessionToolSet(tools: tools, stop: { await set.stop() })
        }
    }
}
