import AssistdSupport
import Foundation
import JSONCore
import JSONRPC

#if canImport(Glibc)
import Glibc
#endif

/// One MCP server run as assistd's child and spoken to over stdio (newline-delimited JSON-RPC):
/// `start()` spawns it, performs the `initialize` handshake and reads its tools; `call` runs a
/// tool; `stop()` ends it. A server that exits, hangs or writes garbage fails the calls it spoils
/// with an `MCPError` that says so; it never blocks or ends the session that uses it.
public final class MCPServerSession: Sendable {
    /// The revision asked for in `initialize`: the latest with the handshake.
    public static let protocolVersion = "2025-11-25"
    /// What a server may answer instead; the tool methods this client uses are the same in all.
    public static let supportedProtocolVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    public let config: MCPServerConfig
    private let options: MCPClientOptions
    private let logger: Logger
    private let state = Locked(State())

    private struct State {
        var phase = Phase.idle
        var process: ServerProcess?
        var connection: Connection?
        var stderr: StderrDrain?
        var tools: [MCPTool] = []
        var serverInfo: MCPServerInfo?
        var toolListChanged = false
        /// The server's stdout ended; calls fail from now on.
        var outputEnded = false
        /// Then: the connection and our ends of the pipes are closed.
        var tornDown = false
    }

    private enum Phase {
        case idle, starting, running, stopped
    }

    public init(config: MCPServerConfig, options: MCPClientOptions = MCPClientOptions(), logger: Logger = .disabled) {
        self.config = config
        self.options = options
        self.logger = logger.prefixed("mcp server '\(config.name)': ")
    }

    deinit {
        // A session dropped without `stop()` leaves no server behind (its reaper thread reaps it).
        if let process = state.current.process, process.exitStatus == nil { process.signalGroup(SIGKILL) }
    }

    /// The tools `tools/list` gave at start (or at the last `refreshTools`).
    public var tools: [MCPTool] { state.current.tools }

    /// The `initialize` result; nil before `start()` succeeded.
    public var serverInfo: MCPServerInfo? { state.current.serverInfo }

    /// The server said its tool list changed since it was read (`refreshTools` reads it again).
    public var toolListChanged: Bool { state.current.toolListChanged }

    /// The server runs and its stdout is open.
    public var isRunning: Bool { state.withLock { $0.phase == .running && !$0.outputEnded } }

    /// The server's process id, while it has one (tests, diagnostics).
    public var processID: Int32? { state.current.process?.pid }

    // MARK: - Starting

    /// Spawns the server, performs `initialize` + `notifications/initialized`, and reads every page
    /// of `tools/list`. On failure the server is stopped and the error thrown: an `MCPError`, or
    /// `CancellationError` when the calling task is cancelled.
    public func start() async throws {
        let canStart = state.withLock { state -> Bool in
            guard state.phase == .idle else { return false }
            state.phase = .starting
            return true
        }
        guard canStart else { throw MCPError.notRunning(server: config.name) }
        do {
            try spawn()
            try await initialize()
            let tools = try await listTools()
            let stillWanted = state.withLock { state -> Bool in
                guard state.phase == .starting else { return false }
                state.phase = .running
                state.tools = tools
                return true
            }
            guard stillWanted else { throw MCPError.notRunning(server: config.name) }
            logger.info("started with \(tools.count) tool(s): \(tools.map(\.name).joined(separator: ", "))")
        } catch {
            await stop()
            throw error
        }
    }

    private func spawn() throws(MCPError) {
        // Writing to a server that died must be an EPIPE error, not the end of assistd.
        StandardOutputGuard.ignoreSIGPIPE()
        let environment = ServerLaunch.environment(for: config)
        guard let executable = ServerLaunch.resolve(config.command, path: environment["PATH"], workingDirectory: config.workingDirectory) else {
            throw .commandNotFound(server: config.name, command: config.command)
        }
        let process: ServerProcess
        do {
            process = try ServerProcess.spawn(
                executable: executable, arguments: config.arguments, environment: environment, workingDirectory: config.workingDirectory)
        } catch {
            throw .spawnFailed(server: config.name, command: config.command, reason: error.reason)
        }
        logger.debug("spawned \(executable) as pid \(process.pid)")
        let stderr = StderrDrain(fileDescriptor: process.stderrRead, logger: logger)
        let connection = Connection(
            input: process.stdoutRead, output: process.stdinWrite,
            options: ConnectionOptions(
                framing: .ndjson, logger: logger, ownRequestIDs: .clientIntegers, stalledPeerLimit: nil, cancellationNotice: Self.cancelledNotice))
        state.withLock { state in
            state.process = process
            state.stderr = stderr
            state.connection = connection
        }
        let dispatcher = MCPClientDispatcher(logger: logger) { [weak self] in
            self?.state.withLock { $0.toolListChanged = true }
        }
        connection.start(dispatcher: dispatcher) { [weak self, logger] in
            let stopping = self?.state.withLock { state -> Bool in
                state.outputEnded = true
                return state.phase == .stopped
            }
            if stopping == false { logger.warning("its output ended (the server exited?)") }
            Self.closeConnection(connection, of: process)
            self?.state.withLock { $0.tornDown = true }
        }
    }

    /// MCP's word for a request we stopped waiting for (timed out, or the run was cancelled).
    static let cancelledNotice = PeerCancellationNotice(method: "notifications/cancelled") { id, reason in
        ["requestId": id.json, "reason": .string(reason)]
    }

    private func initialize() async throws {
        let params: JSONValue = [
            "protocolVersion": .string(Self.protocolVersion),
            "capabilities": [:],
            "clientInfo": ["name": .string(options.clientName), "version": .string(options.clientVersion)],
        ]
        let result = try await request("initialize", params: params, timeout: options.initializeTimeout)
        guard let version = result["protocolVersion"]?.stringValue else {
            throw MCPError.invalidResponse(server: config.name, method: "initialize", detail: "no protocolVersion")
        }
        guard Self.supportedProtocolVersions.contains(version) else {
            throw MCPError.unsupportedProtocolVersion(server: config.name, version: version, supported: Self.supportedProtocolVersions)
        }
        let info = MCPServerInfo(
            name: result["serverInfo"]?["name"]?.stringValue, version: result["serverInfo"]?["version"]?.stringValue,
            protocolVersion: version, instructions: result["instructions"]?.stringValue)
        state.withLock { $0.serverInfo = info }
        state.current.connection?.sendNotification(method: "notifications/initialized", params: nil)
        logger.debug("initialized: \(info.name ?? "unnamed") \(info.version ?? ""), protocol \(version)")
    }

    // MARK: - Tools

    /// Reads the tool list again (after `toolListChanged`); the session's `tools` become it.
    @discardableResult
    public func refreshTools() async throws -> [MCPTool] {
        state.withLock { $0.toolListChanged = false }
        let tools = try await listTools()
        state.withLock { $0.tools = tools }
        return tools
    }

    static let maxToolListPages = 1000

    /// Every page of `tools/list`, following `nextCursor`. A server without tools (method not
    /// found) has none.
    private func listTools() async throws -> [MCPTool] {
        var tools: [MCPTool] = []
        var names = Set<String>()
        var cursors = Set<String>()
        var cursor: String?
        for _ in 0..<Self.maxToolListPages {
            let params: JSONValue = cursor.map { ["cursor": .string($0)] } ?? [:]
            let result: JSONValue
            do {
                result = try await request("tools/list", params: params, timeout: options.requestTimeout)
            } catch MCPError.serverError(_, _, JSONRPCError.methodNotFoundCode, _) where cursor == nil {
                return []
            }
            guard let entries = result["tools"]?.arrayValue else {
                throw MCPError.invalidResponse(server: config.name, method: "tools/list", detail: "no 'tools' array")
            }
            for entry in entries {
                guard let tool = MCPTool(json: entry) else {
                    logger.warning("skipped a tools/list entry without a name")
                    continue
                }
                guard names.insert(tool.name).inserted else {
                    logger.warning("skipped a second tool named '\(tool.name)'")
                    continue
                }
                tools.append(tool)
            }
            guard let next = result["nextCursor"]?.stringValue, !next.isEmpty else { return tools }
            guard cursors.insert(next).inserted else {
                throw MCPError.invalidResponse(server: config.name, method: "tools/list", detail: "nextCursor '\(next)' came twice")
            }
            cursor = next
        }
        throw MCPError.invalidResponse(server: config.name, method: "tools/list", detail: "more than \(Self.maxToolListPages) pages")
    }

    /// Runs tool `name` with `arguments`, waiting `timeout` (else the options' `toolCallTimeout`).
    /// A result with `isError` is returned (the tool ran and failed); a call that could not be
    /// made or answered throws `MCPError` (or `CancellationError` when the calling task is cancelled).
    public func call(name: String, arguments: JSONObject, timeout: Duration? = nil) async throws -> MCPToolResult {
        guard state.withLock({ $0.phase == .running }) else { throw MCPError.notRunning(server: config.name) }
        let result = try await request(
            "tools/call", params: ["name": .string(name), "arguments": .object(arguments)], timeout: timeout ?? options.toolCallTimeout)
        guard result.objectValue != nil else {
            throw MCPError.invalidResponse(server: config.name, method: "tools/call", detail: "the result is \(result.typeName), not an object")
        }
        return MCPToolResult(json: result, maxTextBytes: options.maxResultTextBytes)
    }

    // MARK: - Requests

    private func request(_ method: String, params: JSONValue, timeout: Duration) async throws -> JSONValue {
        guard let connection = state.current.connection else { throw MCPError.notRunning(server: config.name) }
        do {
            return try await connection.sendRequest(method: method, params: params, timeout: timeout)
        } catch let error as JSONRPCError {
            throw MCPError.serverError(server: config.name, method: method, code: error.code, message: error.message)
        } catch PeerRequestError.timedOut {
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            logger.warning("'\(method)' got no answer within \(seconds) s")
            throw MCPError.timedOut(server: config.name, method: method, seconds: seconds)
        } catch let error as CancellationError {
            throw error
        } catch {
            // Closed: the server's stdout ended (it exited) or the session was stopped.
            throw await endedError()
        }
    }

    /// Why the connection is gone: stopped by us, or the server ended by itself.
    private func endedError() async -> MCPError {
        let (phase, process, stderr) = state.withLock { ($0.phase, $0.process, $0.stderr) }
        guard phase != .stopped, let process else { return .notRunning(server: config.name) }
        let exit = await process.waitForExit(timeout: .seconds(1))
        await stderr?.waitForEnd(timeout: .milliseconds(500))
        return .serverExited(server: config.name, exit: exit?.description ?? "closed its stdout", stderrTail: stderr?.lastLines ?? [])
    }

    /// On the connection's read thread, when the server's stdout ends: fails what waits for an
    /// answer and closes our ends of the pipes (the reader reads no more; the writer is closed).
    private static func closeConnection(_ connection: Connection, of process: ServerProcess) {
        connection.close(deadline: .now() + .seconds(1))
        _ = close(process.stdoutRead)
        _ = close(process.stdinWrite)
    }

    // MARK: - Stopping

    /// Ends the server: SIGTERM to its process group, SIGKILL after the grace period, then reaps
    /// it. Calls still waiting fail with `notRunning`. Safe to call more than once, and before or
    /// during `start()`.
    public func stop() async {
        let (process, connection) = state.withLock { state -> (ServerProcess?, Connection?) in
            state.phase = .stopped
            return (state.process, state.connection)
        }
        guard let process else { return }
        let exit = await process.terminate(grace: options.stopGracePeriod)
        // Its stdout ends once it and its group are gone; then `outputEnded` closes the pipes.
        let deadline = ContinuousClock.now + .seconds(2)
        while !state.current.tornDown && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if !state.current.tornDown {
            // Something outside its process group still holds its stdout: give up on the pipes.
            logger.warning("its stdout is still open after it ended; leaving the pipes")
            connection?.close(deadline: .now())
        }
        logger.info("stopped: it \(exit?.description ?? "did not end after SIGKILL")")
    }
}

extension StderrDrain {
    /// Waits until the server's stderr reached its end (bounded), so its last lines are in.
    func waitForEnd(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while !hasEnded && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
