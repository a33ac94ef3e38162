extension JSONValue {
    /// The exact length of `serialized()`, so the output is allocated once: growing an array
    /// past a large string copies it into a buffer twice its size while the old one is alive.
    public var serializedByteCount: Int {
        switch self {
        case .null: return 4
        case .bool(let value): return value ? 4 : 5
        case .int(let value): return String(value).utf8.count
        case .double(let value): return value.isFinite ? value.description.utf8.count : 4
        case .string(let value): return Self.serializedByteCount(of: value)
        case .array(let values):
            return values.reduce(2 + max(values.count - 1, 0)) { $0 + $1.serializedByteCount }
        case .object(let object):
            return object.reduce(2 + max(object.count - 1, 0)) {
                $0 + Self.serializedByteCount(of: $1.key) + 1 + $1.value.serializedByteCount
            }
        }
    }

    /// The length of `writeString(value)`: quotes, plus the escapes' extra bytes.
    public static func serializedByteCount(of value: String) -> Int {
        var value = value
        return value.withUTF8 { utf8 in
            var count = utf8.count + 2
            for byte in utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                switch byte {
                case 0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x08, 0x0C: count += 1  // \x
                default: count += 5  // \u00XX
                }
            }
            return count
        }
    }
}
