/// Errors raised while running a model (loading errors are GGUFError).
public enum InferenceError: Error, CustomStringConvertible, Equatable {
    case contextOverflow(needed: Int, limit: Int)
    case invalidToken(Int32)
    case unsupportedCPU(String)
    case invalidToolSchema(tool: String, reason: String)
    case unknownTool(String)
    case invalidRequest(String)

    public var description: String {
        switch self {
        case let .contextOverflow(needed, limit): "the conversation needs \(needed) tokens but the context holds \(limit)"
        case let .invalidToken(t): "token id \(t) is outside the vocabulary"
        case let .unsupportedCPU(detail): "this CPU cannot run the embedded model: \(detail)"
        case let .invalidToolSchema(tool, reason): "tool '\(tool)' has an invalid parameters schema: \(reason)"
        case let .unknownTool(name): "tool_choice names '\(name)', which is not among the tools"
        case let .invalidRequest(detail): detail
        }
    }
}
