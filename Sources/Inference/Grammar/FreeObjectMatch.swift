/// Matches an object with free keys (`[A-Za-z0-9_-]`, bounded length and count), every
/// value of one shape.
struct FreeObjectMatch {
    enum Phase {
        case beforeOpenBrace
        /// A key (or `}`) next.
        case afterOpenBrace
        case inKey
        /// `:` next.
        case afterKey
        /// The value next.
        case afterColon
        /// `,` or `}` next.
        case afterValue
        /// A key next.
        case afterComma
    }

    let valueNode: Int32
    private var phase = Phase.beforeOpenBrace
    /// The one space allowed after `{`, `,` or `:` was written.
    private var spaceUsed = false
    private var keyLength: Int32 = 0
    /// Values started so far.
    private var entries: Int32 = 0

    init(valueNode: Int) { self.valueNode = Int32(valueNode) }

    mutating func feed(_ byte: UInt8) -> MatchStep {
        switch phase {
        case .beforeOpenBrace:
            guard byte == JSONByte.openBrace else { return .rejected }
            phase = .afterOpenBrace
            return .accepted
        case .afterOpenBrace, .afterComma:
            if byte == JSONByte.space && !spaceUsed { spaceUsed = true; return .accepted }
            if byte == JSONByte.quote { phase = .inKey; keyLength = 0; return .accepted }
            if phase == .afterOpenBrace && byte == JSONByte.closeBrace { return .acceptedAndClosed }
            return .rejected
        case .inKey:
            if byte == JSONByte.quote && keyLength > 0 { phase = .afterKey; return .accepted }
            if Self.isKeyByte(byte) && keyLength < SchemaGraph.maxFreeKeyLength { keyLength += 1; return .accepted }
            return .rejected
        case .afterKey:
            guard byte == JSONByte.colon else { return .rejected }
            phase = .afterColon
            spaceUsed = false
            return .accepted
        case .afterColon:
            if byte == JSONByte.space && !spaceUsed { spaceUsed = true; return .accepted }
            phase = .afterValue
            entries += 1
            return .startsChild(node: Int(valueNode))
        case .afterValue:
            if byte == JSONByte.comma && entries < SchemaGraph.maxFreeKeys { phase = .afterComma; spaceUsed = false; return .accepted }
            if byte == JSONByte.closeBrace { return .acceptedAndClosed }
            return .rejected
        }
    }

    func shortestCompletion() -> [UInt8] {
        switch phase {
        case .beforeOpenBrace: return Array("{}".utf8)
        case .afterOpenBrace: return [JSONByte.closeBrace]
        case .inKey: return (keyLength == 0 ? [UInt8(ascii: "a")] : []) + Array("\":null}".utf8)
        case .afterKey: return Array(":null}".utf8)
        case .afterColon: return Array("null}".utf8)
        case .afterValue: return [JSONByte.closeBrace]
        case .afterComma: return Array("\"a\":null}".utf8)
        }
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2D
    }
}
