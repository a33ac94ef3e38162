/// One metadata value of a GGUF file.
public enum GGUFValue: Sendable, Equatable {
    case uint(UInt64)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    public var intValue: Int? {
        switch self {
        case let .uint(v): Int(exactly: v)
        case let .int(v): Int(exactly: v)
        default: nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case let .float(v): v
        case let .uint(v): Double(v)
        case let .int(v): Double(v)
        default: nil
        }
    }

    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    public var arrayValue: [GGUFValue]? {
        if case let .array(a) = self { return a }
        return nil
    }
}
