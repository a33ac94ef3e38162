/// Matches a string: UTF-8 validated, simple escapes only (no `\u`), its length in code
/// points between `minLength` and `maxLength`.
struct StringMatch {
    enum Phase {
        case beforeOpenQuote
        /// Plain characters, `\` or the closing quote next.
        case inContent
        /// The escaped character next.
        case afterBackslash
        /// A continuation byte of a multi-byte character next.
        case inMultiByteCharacter
    }

    let minLength: Int
    let maxLength: Int
    private(set) var phase = Phase.beforeOpenQuote
    /// Code points started so far (an escape counts as one).
    private(set) var characters: Int32 = 0
    /// Continuation bytes the current character still needs.
    private var continuationBytesLeft: UInt8 = 0
    /// The range of the next continuation byte (narrower after some lead bytes, per UTF-8).
    private var nextByteLowest: UInt8 = 0x80
    private var nextByteHighest: UInt8 = 0xBF

    init(minLength: Int, maxLength: Int) {
        self.minLength = minLength
        self.maxLength = maxLength
    }

    mutating func feed(_ byte: UInt8) -> MatchStep {
        switch phase {
        case .beforeOpenQuote:
            guard byte == JSONByte.quote else { return .rejected }
            phase = .inContent
            return .accepted
        case .inContent:
            if byte == JSONByte.quote { return Int(characters) >= minLength ? .acceptedAndClosed : .rejected }
            guard Int(characters) < maxLength, byte >= 0x20 else { return .rejected }
            if byte == JSONByte.backslash { phase = .afterBackslash; characters += 1; return .accepted }
            if byte < 0x80 { characters += 1; return .accepted }
            switch byte {
            case 0xC2...0xDF: startCharacter(continuationBytes: 1, 0x80, 0xBF)
            case 0xE0: startCharacter(continuationBytes: 2, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE, 0xEF: startCharacter(continuationBytes: 2, 0x80, 0xBF)
            case 0xED: startCharacter(continuationBytes: 2, 0x80, 0x9F)
            case 0xF0: startCharacter(continuationBytes: 3, 0x90, 0xBF)
            case 0xF1...0xF3: startCharacter(continuationBytes: 3, 0x80, 0xBF)
            case 0xF4: startCharacter(continuationBytes: 3, 0x80, 0x8F)
            default: return .rejected
            }
            return .accepted
        case .afterBackslash:
            switch byte {
            case JSONByte.quote, JSONByte.backslash, UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                phase = .inContent
                return .accepted
            default:
                return .rejected
            }
        case .inMultiByteCharacter:
            guard byte >= nextByteLowest && byte <= nextByteHighest else { return .rejected }
            nextByteLowest = 0x80
            nextByteHighest = 0xBF
            continuationBytesLeft -= 1
            if continuationBytesLeft == 0 { phase = .inContent }
            return .accepted
        }
    }

    private mutating func startCharacter(continuationBytes: UInt8, _ lowest: UInt8, _ highest: UInt8) {
        continuationBytesLeft = continuationBytes
        nextByteLowest = lowest
        nextByteHighest = highest
        characters += 1
        phase = .inMultiByteCharacter
    }

    func shortestCompletion() -> [UInt8] {
        let padding = [UInt8](repeating: UInt8(ascii: "a"), count: max(0, minLength - Int(characters)))
        switch phase {
        case .beforeOpenQuote: return [JSONByte.quote] + padding + [JSONByte.quote]
        case .inContent: return padding + [JSONByte.quote]
        case .afterBackslash: return [UInt8(ascii: "n")] + padding + [JSONByte.quote]
        case .inMultiByteCharacter:
            // The lowest valid continuation bytes finish the character.
            let rest = [UInt8](repeating: 0x80, count: Int(continuationBytesLeft) - 1)
            return [nextByteLowest] + rest + padding + [JSONByte.quote]
        }
    }
}
