/// What checking a JSON text found about it, for a caller that forwards the text as it is
/// instead of parsing and re-serialising it.
public struct JSONTextFacts: Sendable, Equatable {
    /// Whitespace between tokens holds a line break (CR or LF): the text cannot go on one line
    /// of a newline-delimited stream as it is.
    public var hasLineBreak = false
    /// A string holds a backslash escape of any kind.
    public var hasEscape = false
    /// A string holds a `\u` or `\/` escape: characters that the text spells differently from
    /// their UTF-8 bytes (a byte search for a word can miss them).
    public var hasDisguisingEscape = false

    public init() {}
}

extension JSONValue {
    /// Checks that `bytes` are exactly one JSON value by the parser's rules (`parse`: the same
    /// grammar, nesting cap, valid UTF-8 and surrogate pairs) without building it: nil when
    /// `parse` would fail. Several times faster than parsing, for text that is only passed on.
    public static func checkText(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONTextFacts? {
        var scanner = JSONTextScanner(bytes: bytes)
        return scanner.scanDocument() ? scanner.facts : nil
    }
}

private struct JSONTextScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0
    var facts = JSONTextFacts()
    var isASCII = true

    mutating func scanDocument() -> Bool {
        skipWhitespace()
        guard scanValue() else { return false }
        skipWhitespace()
        guard index == bytes.count else { return false }
        // As the parser does: decoding repairs invalid UTF-8, so bytes that decode unchanged are valid.
        return isASCII || String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09: index += 1
            case 0x0A, 0x0D:
                facts.hasLineBreak = true
                index += 1
            default: return
            }
        }
    }

    mutating func scanValue() -> Bool {
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "{"): return scanObject()
        case UInt8(ascii: "["): return scanArray()
        case UInt8(ascii: "\""): return scanString()
        case UInt8(ascii: "t"): return scanLiteral("true")
        case UInt8(ascii: "f"): return scanLiteral("false")
        case UInt8(ascii: "n"): return scanLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return scanNumber()
        default: return false
        }
    }

    mutating func scanLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
        index += count
        return true
    }

    mutating func enter() -> Bool {
        depth += 1
        index += 1
        skipWhitespace()
        return depth <= JSONParser.maxDepth
    }

    mutating func scanObject() -> Bool {
        guard enter() else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return true
        }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), scanString() else { return false }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
            index += 1
            skipWhitespace()
            guard scanValue() else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                skipWhitespace()
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { return false }
            index += 1
            depth -= 1
            return true
        }
    }

    mutating func scanArray() -> Bool {
        guard enter() else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return true
        }
        while true {
            guard scanValue() else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                skipWhitespace()
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { return false }
            index += 1
            depth -= 1
            return true
        }
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    mutating func scanDigits() -> Bool {
        guard index < bytes.count, isDigit(bytes[index]) else { return false }
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return true
    }

    mutating func scanNumber() -> Bool {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { return false }
        } else {
            _ = scanDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard scanDigits() else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard scanDigits() else { return false }
        }
        return true
    }

    mutating func scanString() -> Bool {
        index += 1  // the opening quote
        while index < bytes.count {
            skipPlainStringBytes()
            guard index < bytes.count else { return false }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return true
            case UInt8(ascii: "\\"): guard scanEscape() else { return false }
            case 0..<0x20: return false
            case 0x80...: isASCII = false
            default: break
            }
        }
        return false
    }

    /// Skips, eight bytes at a time, the string's bytes that need no look of their own (none is
    /// a quote, a backslash or a control byte), noting non-ASCII ones; stops at the first that
    /// does, or where fewer than eight bytes are left (the byte loop takes those).
    mutating func skipPlainStringBytes() {
        guard let base = bytes.baseAddress else { return }
        while index + 8 <= bytes.count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let stops = Self.stopBytes(word)
            // Only the bytes before the first stop belong to the run skipped here.
            let skipped = stops == 0 ? word : word & ((stops & (0 &- stops)) &- 1)
            if skipped & Self.highBits != 0 { isASCII = false }
            if stops != 0 {
                index += stops.trailingZeroBitCount >> 3
                return
            }
            index += 8
        }
    }

    static let lowBits: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each byte of `word` (little-endian) that is `"`, `\` or below 0x20. A
    /// borrow can mark a byte after a marked one, never before it: the lowest mark is exact.
    static func stopBytes(_ word: UInt64) -> UInt64 {
        let quote = word ^ (lowBits &* 0x22)
        let backslash = word ^ (lowBits &* 0x5C)
        let isQuote = (quote &- lowBits) & ~quote
        let isBackslash = (backslash &- lowBits) & ~backslash
        let isControl = (word &- lowBits &* 0x20) & ~word
        return (isQuote | isBackslash | isControl) & highBits
    }

    /// After the backslash.
    mutating func scanEscape() -> Bool {
        guard index < bytes.count else { return false }
        facts.hasEscape = true
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
            UInt8(ascii: "r"), UInt8(ascii: "t"):
            return true
        case UInt8(ascii: "/"):
            facts.hasDisguisingEscape = true
            return true
        case UInt8(ascii: "u"):
            facts.hasDisguisingEscape = true
            guard let scalar = scanHex4() else { return false }
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return false }
                index += 2
                guard let low = scanHex4(), (0xDC00...0xDFFF).contains(low) else { return false }
                return true
            }
            return !(0xDC00...0xDFFF).contains(scalar)
        default:
            return false
        }
    }

    mutating func scanHex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
