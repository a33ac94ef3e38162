import Foundation
import AssistdSupport
import MCPClient
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Configurations for Tests/Fakes/mcp_test_server.py, the MCP server test double.
enum MCPTestServer {
    static let script = RepositoryPaths.fakes.appendingPathComponent("mcp_test_server.py").path

    /// Every tool the double offers, in its order.
    static let toolNames = ["add", "echo", "fail", "sleep", "exit", "garbage", "spawn_child", "exit_leaving_child", "ping_client", "env", "cwd", "image", "handshake", "cancellations", "grow"]

    static func config(name: String = "test", _ options: [String] = [], environment: [MCPServerConfig.EnvironmentVariable] = [], workingDirectory: String? = nil) -> MCPServerConfig {
        MCPServerConfig(name: name, command: "python3", arguments: ["-u", script] + options, environment: environment, workingDirectory: workingDirectory)
    }

    /// Generous limits: the machine running the tests may be loaded.
    static func options(toolCallTimeout: Duration = .seconds(20), initializeTimeout: Duration = .seconds(30), stopGracePeriod: Duration = .seconds(2)) -> MCPClientOptions {
        MCPClientOptions(initializeTimeout: initializeTimeout, requestTimeout: .seconds(20), toolCallTimeout: toolCallTimeout, stopGracePeriod: stopGracePeriod)
    }

    /// A started session on the double.
    static func started(_ options: [String] = [], clientOptions: MCPClientOptions = MCPTestServer.options()) async throws -> MCPServerSession {
        let session = MCPServerSession(config: config(options), options: clientOptions)
        try await session.start()
        return session
    }

    /// The process exists (running, or a zombie nobody reaped).
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }

    /// Whether the process still runs after up to `timeout` (a killed process takes a moment to die).
    static func stillRuns(_ pid: Int32, after timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while processRuns(pid) {
            if ContinuousClock.now >= deadline { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The process runs: exists and is not a zombie (an orphan's zombie waits for init to reap it).
    static func processRuns(_ pid: Int32) -> Bool {
        guard processExists(pid) else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }
}

/// A `Logger` writing into a pipe, to read back what was logged.
final class CapturedLog: @unchecked Sendable {
    let logger: Logger
    private let readEnd: Int32
    private let writeEnd: Int32

    init() {
        var ends: [Int32] = [-1, -1]
        precondition(pipe(&ends) == 0)
        (readEnd, writeEnd) = (ends[0], ends[1])
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        logger = Logger(fileDescriptor: writeEnd, minimumLevel: .debug, label: "test")
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Everything logged so far.
    func text() -> String {
        logger.flush(timeout: .seconds(2))
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
