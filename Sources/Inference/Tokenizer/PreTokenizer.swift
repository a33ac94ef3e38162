/// Splits text into words before BPE, exactly as llama.cpp does for the `smollm`
/// pre-tokenizer: first every `\p{N}` code point is cut out on its own, then each
/// piece is split by GPT-2's rules
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)` (plus the
/// trailing-`\s+` fallback of llama.cpp's hand-written matcher).
enum PreTokenizer {
    struct Flags: OptionSet {
        let rawValue: UInt8
        static let letter = Flags(rawValue: 1)
        static let number = Flags(rawValue: 2)
        static let whitespace = Flags(rawValue: 4)
        /// Any code point inside the current piece (as opposed to out of range).
        static let present = Flags(rawValue: 8)
    }

    static func flags(_ s: Unicode.Scalar) -> Flags {
        var f: Flags = .present
        if s.value < 128 {
            let v = s.value
            if (v >= 65 && v <= 90) || (v >= 97 && v <= 122) { f.insert(.letter) }
            else if v >= 48 && v <= 57 { f.insert(.number) }
            else if (v >= 9 && v <= 13) || v == 32 { f.insert(.whitespace) }
            return f
        }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            f.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            f.insert(.number)
        default: break
        }
        if isWhitespace(s.value) { f.insert(.whitespace) }
        return f
    }

    /// llama.cpp's whitespace set (unicode.cpp).
    static func isWhitespace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// Returns the words as ranges of scalar indices into `scalars`.
    static func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let allFlags = scalars.map(flags)
        // Stage 1: \p{N} one by one; text between numbers stays in one piece.
        var pieces: [Range<Int>] = []
        var start = 0
        for i in 0..<scalars.count where allFlags[i].contains(.number) {
            if start < i { pieces.append(start..<i) }
            pieces.append(i..<(i + 1))
            start = i + 1
        }
        if start < scalars.count { pieces.append(start..<scalars.count) }
        // Stage 2: GPT-2 rules inside each piece.
        var words: [Range<Int>] = []
        words.reserveCapacity(pieces.count * 2)
        for piece in pieces { splitGPT2(scalars, allFlags, piece, into: &words) }
        return words
    }

    private static func splitGPT2(_ cpts: [Unicode.Scalar], _ allFlags: [Flags], _ piece: Range<Int>, into words: inout [Range<Int>]) {
        let lo = piece.lowerBound, hi = piece.upperBound
        @inline(__always) func cpt(_ p: Int) -> UInt32 { p >= lo && p < hi ? cpts[p].value : 0xFFFF_FFFF }
        @inline(__always) func fl(_ p: Int) -> Flags { p >= lo && p < hi ? allFlags[p] : [] }
        var prevEnd = lo
        func addToken(_ end: Int) -> Int {
            let len = end - prevEnd
            if len > 0 { words.append(prevEnd..<end) }
            prevEnd = end
            return len
        }
        var pos = lo
        let apostrophe: UInt32 = 0x27
        while pos < hi {
            let c = cpt(pos)
            let f = fl(pos)
            if c == apostrophe && pos + 1 < hi {
                let n = cpt(pos + 1)
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 { // s t m d
                    pos += addToken(pos + 2)
                    continue
                }
                if pos + 2 < hi {
                    let nn = cpt(pos + 2)
                    if (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) { // re ve ll
                        pos += addToken(pos + 3)
                        continue
                    }
                }
            }
            var f2 = c == 0x20 ? fl(pos + 1) : f
            if f2.contains(.letter) {
                if c == 0x20 { pos += 1 }
                while f2.contains(.letter) { pos += 1; f2 = fl(pos) }
                _ = addToken(pos)
                continue
            }
            if f2.contains(.number) {
                if c == 0x20 { pos += 1 }
                while f2.contains(.number) { pos += 1; f2 = fl(pos) }
                _ = addToken(pos)
                continue
            }
            let other: (Flags) -> Bool = { $0.contains(.present) && $0.isDisjoint(with: [.letter, .number, .whitespace]) }
            if other(f2) {
                if c == 0x20 { pos += 1 }
                while other(f2) { pos += 1; f2 = fl(pos) }
                _ = addToken(pos)
                continue
            }
            var spaces = 0
            while fl(pos + spaces).contains(.whitespace) { spaces += 1 }
            if spaces > 1 && cpt(pos + spaces) != 0xFFFF_FFFF {
                pos += spaces - 1
                _ = addToken(pos)
                continue
            }
            if spaces > 0 {
                pos += spaces
                _ = addToken(pos)
                continue
            }
            pos += 1
            _ = addToken(pos)
        }
    }
}
