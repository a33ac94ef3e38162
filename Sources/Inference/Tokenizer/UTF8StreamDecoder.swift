/// Turns a stream of token bytes into text deltas that never split a UTF-8
/// character: incomplete trailing sequences are held back until completed.
/// Invalid bytes become U+FFFD once it is certain they cannot be completed.
public struct UTF8StreamDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Appends bytes; returns the text that is now complete (possibly empty).
    public mutating func append(_ bytes: [UInt8]) -> String {
        pending += bytes
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Flushes whatever is held back (an incomplete tail becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside a possibly valid,
    /// still incomplete UTF-8 sequence.
    static func completePrefixLength(_ b: [UInt8]) -> Int {
        let n = b.count
        // Look back at most 3 bytes for a lead byte whose sequence is unfinished.
        var i = n - 1
        var back = 0
        while i >= 0 && back < 4 {
            let byte = b[i]
            if byte & 0xC0 != 0x80 {
                let need: Int
                if byte < 0x80 { need = 1 } else if byte & 0xE0 == 0xC0 { need = 2 } else if byte & 0xF0 == 0xE0 { need = 3 } else if byte & 0xF8 == 0xF0 { need = 4 } else { need = 1 }
                let have = n - i
                if have < need && continuationsValid(b, from: i, count: have) { return i }
                return n
            }
            i -= 1
            back += 1
        }
        return n
    }

    /// Whether the bytes after a lead byte could still begin a valid sequence.
    private static func continuationsValid(_ b: [UInt8], from lead: Int, count: Int) -> Bool {
        let l = b[lead]
        if count >= 2 {
            let c = b[lead + 1]
            switch l {
            case 0xE0: if c < 0xA0 || c > 0xBF { return false }
            case 0xED: if c < 0x80 || c > 0x9F { return false }
            case 0xF0: if c < 0x90 || c > 0xBF { return false }
            case 0xF4: if c < 0x80 || c > 0x8F { return false }
            case 0xC0, 0xC1, 0xF5...0xFF: return false
            default: break
            }
        } else if l == 0xC0 || l == 0xC1 || l >= 0xF5 {
            return false
        }
        return true
    }
}
