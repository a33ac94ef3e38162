/// Names MCP tools as assistant function tools: `<server>__<tool>`, in the charset and length the
/// Assistant API allows (`^[a-zA-Z0-9_-]{1,64}$`), never two alike.
struct FunctionNames {
    static let maxLength = 64
    static let separator = "__"

    private var taken = Set<String>()

    /// A name for `tool` of `server` that no earlier call returned. Other characters become `_`;
    /// a name over the limit is cut and ends with a hash of the whole, so that two long names that
    /// share a beginning stay apart; a name already taken gets `_2`, `_3`, … at its end.
    mutating func claim(server: String, tool: String) -> String {
        let full = Self.sanitize(server) + Self.separator + Self.sanitize(tool)
        var base = full
        if base.utf8.count > Self.maxLength {
            base = String(base.prefix(Self.maxLength - 9)) + "_" + Self.hash("\(server)\u{0}\(tool)")
        }
        var candidate = base
        var number = 2
        while taken.contains(candidate) {
            let suffix = "_\(number)"
            candidate = String(base.prefix(Self.maxLength - suffix.count)) + suffix
            number += 1
        }
        taken.insert(candidate)
        return candidate
    }

    static func sanitize(_ text: String) -> String {
        let mapped = text.unicodeScalars.map { scalar -> Character in
            let isAllowed = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
            return isAllowed ? Character(scalar) : "_"
        }
        return mapped.isEmpty ? "_" : String(mapped)
    }

    /// FNV-1a, 32 bits, as 8 hex digits: stable across runs and platforms (`Hasher` is seeded).
    static func hash(_ text: String) -> String {
        var value: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            value ^= UInt32(byte)
            value = value &* 16_777_619
        }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
