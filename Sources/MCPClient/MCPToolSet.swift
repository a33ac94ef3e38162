import AssistantAPI
import AssistdSupport
import JSONCore

/// The MCP servers of one session, seen as the model sees them: function tools named
/// `<server>__<tool>` (see `FunctionNames`), each call routed back to its server's tool.
public final class MCPToolSet: Sendable {
    /// One function tool and where its calls go.
    public struct Route: Sendable, Equatable {
        public let functionName: String
        public let server: String
        public let tool: MCPTool
    }

    /// A server that did not start, and why.
    public struct StartFailure: Sendable, Equatable {
        public let server: String
        public let error: MCPError
    }

    public let sessions: [MCPServerSession]
    /// In order: the servers' order, then each server's tool order.
    public let routes: [Route]
    public let failures: [StartFailure]
    private let routesByFunction: [String: (route: Route, session: MCPServerSession)]

    /// Starts every server at once. One that fails to start is stopped and listed in `failures`;
    /// the others are used. With no configurations this is an empty set.
    public static func start(_ configs: [MCPServerConfig], options: MCPClientOptions = MCPClientOptions(), logger: Logger = .disabled) async -> MCPToolSet {
        let sessions = configs.map { MCPServerSession(config: $0, options: options, logger: logger) }
        let outcomes = await withTaskGroup(of: (Int, MCPError?).self) { group in
            for (index, session) in sessions.enumerated() {
                group.addTask {
                    do {
                        try await session.start()
                        return (index, nil)
                    } catch let error as MCPError {
                        return (index, error)
                    } catch {
                        return (index, .notRunning(server: session.config.name))
                    }
                }
            }
            var outcomes = [MCPError?](repeating: nil, count: sessions.count)
            for await (index, error) in group { outcomes[index] = error }
            return outcomes
        }
        var started: [MCPServerSession] = []
        var failures: [StartFailure] = []
        for (session, error) in zip(sessions, outcomes) {
            if let error {
                logger.warning("MCP server '\(session.config.name)' is not used: \(error)")
                failures.append(StartFailure(server: session.config.name, error: error))
            } else {
                started.append(session)
            }
        }
        return MCPToolSet(sessions: started, failures: failures)
    }

    /// A set over sessions already started (their current `tools`).
    public init(sessions: [MCPServerSession], failures: [StartFailure] = []) {
        var names = FunctionNames()
        var routes: [Route] = []
        var routesByFunction: [String: (route: Route, session: MCPServerSession)] = [:]
        // By session, not by label: two servers may share a label (their names still differ).
        for session in sessions {
            for tool in session.tools {
                let route = Route(functionName: names.claim(server: session.config.name, tool: tool.name), server: session.config.name, tool: tool)
                routes.append(route)
                routesByFunction[route.functionName] = (route, session)
            }
        }
        self.sessions = sessions
        self.routes = routes
        self.failures = failures
        self.routesByFunction = routesByFunction
    }

    /// The function tools to give the run (`tools` of the assistant or the run), in `routes` order.
    /// The description is the tool's description (else its title); the parameters its input schema.
    public var functionTools: [Tool] {
        routes.map { route in
            .function(FunctionDefinition(
                name: route.functionName, description: route.tool.description ?? route.tool.title, parameters: route.tool.inputSchema))
        }
    }

    /// Where a function call goes; nil for a function that is not one of these tools.
    public func route(forFunction name: String) -> Route? { routesByFunction[name]?.route }

    /// Runs the function call the model made. Never throws: a call that cannot be made, times out
    /// or hits a dead server is a result with `isError` and text saying why, so the run can go
    /// on. `arguments` is the model's JSON text (empty means `{}`).
    public func call(function name: String, arguments: String) async -> MCPToolResult {
        do {
            return try await callThrowing(function: name, arguments: arguments)
        } catch let error as MCPError {
            return MCPToolResult(text: error.description, isError: true)
        } catch is CancellationError {
            return MCPToolResult(text: "the tool call was cancelled", isError: true)
        } catch {
            return MCPToolResult(text: String(describing: error), isError: true)
        }
    }

    /// As `call`, but what goes wrong is thrown (`MCPError`, `CancellationError`).
    public func callThrowing(function name: String, arguments: String) async throws -> MCPToolResult {
        guard let (route, session) = routesByFunction[name] else { throw MCPError.unknownFunction(name) }
        let object: JSONObject
        if arguments.allSatisfy(\.isWhitespace) {
            object = [:]
        } else {
            do {
                guard case .object(let parsed) = try JSONValue.parse(arguments) else {
                    throw MCPError.invalidArguments(function: name, detail: "not an object")
                }
                object = parsed
            } catch let error as JSONParseError {
                throw MCPError.invalidArguments(function: name, detail: "invalid JSON: \(error.message)")
            }
        }
        return try await session.call(name: route.tool.name, arguments: object)
    }

    /// A server said its tool list changed since the set was made.
    public var toolListChanged: Bool { sessions.contains { $0.toolListChanged } }

    /// The set over the same servers, with the tool lists read again of those that said theirs
    /// changed (for the next run; a run keeps the tools it started with). A tool keeps its
    /// function name unless one listed before it now claims the name. A server whose list cannot
    /// be read keeps its old one.
    public func refreshed(logger: Logger = .disabled) async -> MCPToolSet {
        for session in sessions where session.toolListChanged {
            do {
                try await session.refreshTools()
            } catch {
                logger.warning("MCP server '\(session.config.name)': could not read its changed tool list: \(error)")
            }
        }
        return MCPToolSet(sessions: sessions, failures: failures)
    }

    /// Stops every server (at once) and waits until all are reaped.
    public func stop() async {
        await withTaskGroup(of: Void.self) { group in
            for session in sessions { group.addTask { await session.stop() } }
        }
    }
}
