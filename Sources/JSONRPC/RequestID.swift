import JSONCore

/// A JSON-RPC request id. Kept as the type it arrived with so it is echoed exactly: `"1"` stays a
/// string and `1` stays a number.
public enum RequestID: Hashable, Sendable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    /// Reads an id; `nil` for anything that is not an integer or a string (null, fractions, objects).
    public init?(json: JSONValue) {
        switch json {
        case .int(let value): self = .int(value)
        case .string(let value): self = .string(value)
        default: return nil
        }
    }

    public var json: JSONValue {
        switch self {
        case .int(let value): return .int(value)
        case .string(let value): return .string(value)
        }
    }

    /// The id without quotes ("s1", "7"), for messages about it.
    public var text: String {
        switch self {
        case .int(let value): return String(value)
        case .string(let value): return value
        }
    }

    public var description: String {
        switch self {
        case .int(let value): return String(value)
        case .string(let value): return "\"\(value)\""
        }
    }
}
