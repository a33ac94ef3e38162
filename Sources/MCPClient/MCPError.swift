import Foundation
import AssistdSupport

/// Why an MCP server could not be started or did not answer. Every description names the server
/// and is scrubbed of the process's known secrets, so it can go to the model, the client or a log.
public enum MCPError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidConfig(String)
    case unsupportedTransport(server: String, transport: String)
    case commandNotFound(server: String, command: String)
    case spawnFailed(server: String, command: String, reason: String)
    /// The server answered `initialize` with a protocol version this client does not speak.
    case unsupportedProtocolVersion(server: String, version: String, supported: [String])
    case timedOut(server: String, method: String, seconds: Double)
    /// The server's process ended (or closed its stdout): `exit` says how, `stderrTail` is what it
    /// last wrote to stderr.
    case serverExited(server: String, exit: String, stderrTail: [String])
    /// `start()` was not called, did not succeed, or `stop()` was.
    case notRunning(server: String)
    /// The server answered with a JSON-RPC error.
    case serverError(server: String, method: String, code: Int, message: String)
    case invalidResponse(server: String, method: String, detail: String)
    /// A function name that no MCP tool of the session has.
    case unknownFunction(String)
    /// The model's arguments are not a JSON object.
    case invalidArguments(function: String, detail: String)

    public var description: String { KnownSecrets.scrub(text) }

    private var text: String {
        switch self {
        case .invalidConfig(let detail):
            return "invalid MCP server configuration: \(detail)"
        case .unsupportedTransport(let server, let transport):
            return "MCP server '\(server)': the \(transport) transport is not supported (only stdio)"
        case .commandNotFound(let server, let command):
            return "MCP server '\(server)': command '\(command)' not found (not executable, or not on PATH)"
        case .spawnFailed(let server, let command, let reason):
            return "MCP server '\(server)': cannot start '\(command)': \(reason)"
        case .unsupportedProtocolVersion(let server, let version, let supported):
            return "MCP server '\(server)' speaks protocol version \(version); this client speaks \(supported.joined(separator: ", "))"
        case .timedOut(let server, let method, let seconds):
            return "MCP server '\(server)' did not answer '\(method)' within \(Self.format(seconds)) s"
        case .serverExited(let server, let exit, let stderrTail):
            let tail = stderrTail.isEmpty ? "" : "; its last stderr lines: " + stderrTail.joined(separator: " | ")
            return "MCP server '\(server)' \(exit)\(tail)"
        case .notRunning(let server):
            return "MCP server '\(server)' is not running"
        case .serverError(let server, let method, let code, let message):
            return "MCP server '\(server)' answered '\(method)' with error \(code): \(message)"
        case .invalidResponse(let server, let method, let detail):
            return "MCP server '\(server)' sent an invalid '\(method)' result: \(detail)"
        case .unknownFunction(let name):
            return "no MCP tool is named '\(name)'"
        case .invalidArguments(let function, let detail):
            return "the arguments of '\(function)' are not a JSON object: \(detail)"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
