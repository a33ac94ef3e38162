import AssistdSupport
import JSONCore
import JSONRPC

/// What assistd answers a server that talks first: `ping` is answered; assistd declares no client
/// capabilities (roots, sampling, elicitation), so every other request is "method not found".
/// Log messages go to assistd's log; a changed tool list is noted.
struct MCPClientDispatcher: MessageDispatcher {
    let logger: Logger
    let onToolListChanged: @Sendable () -> Void

    func route(_ request: IncomingRequest) -> RequestRoute {
        if request.method == "ping" { return .reply(.success([:])) }
        logger.debug("answered the server's '\(request.method)' request with 'method not found'")
        return .reply(.failure(.methodNotFound(request.method)))
    }

    func receive(notification method: String, params: JSONValue?) {
        switch method {
        case "notifications/message":
            let level = params?["level"]?.stringValue ?? "info"
            let source = params?["logger"]?.stringValue.map { "\($0): " } ?? ""
            let data = params?["data"].map { $0.stringValue ?? $0.serializedString() } ?? ""
            logger.log(Self.logLevel(level), "log: \(source)\(data)")
        case "notifications/tools/list_changed":
            logger.info("its tool list changed")
            onToolListChanged()
        default:
            logger.debug("ignored notification '\(method)'")
        }
    }

    /// MCP's syslog levels on assistd's four.
    static func logLevel(_ name: String) -> LogLevel {
        switch name {
        case "debug": return .debug
        case "info", "notice": return .info
        case "warning": return .warning
        default: return .error
        }
    }
}
