/// Splits text into words before BPE, exactly as llama.cpp does for the `qwen2` pre-tokenizer,
/// whose regex (run there through std::regex on a text with one byte per code point standing
/// for its Unicode category) is
/// `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}`
/// `| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`: contractions in either case, a letter
/// run with one optional leading non-letter, each digit alone, a punctuation run with its
/// trailing newlines, whitespace up to the last newline, and whitespace that leaves one space
/// to the next word. Hand-written (one pass over the category flags) rather than a regex engine.
enum Qwen2PreTokenizer {
    /// Returns the words as ranges of scalar indices into `scalars`.
    static func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let allFlags = scalars.map(PreTokenizer.flags)
        let count = scalars.count
        @inline(__always) func cpt(_ p: Int) -> UInt32 { p < count ? scalars[p].value : 0xFFFF_FFFF }
        @inline(__always) func fl(_ p: Int) -> PreTokenizer.Flags { p < count ? allFlags[p] : [] }
        @inline(__always) func isNewline(_ v: UInt32) -> Bool { v == 0x0A || v == 0x0D }
        /// ASCII letters folded to lower case; anything else unchanged (the regex's classes are ASCII).
        @inline(__always) func lower(_ v: UInt32) -> UInt32 { v >= 0x41 && v <= 0x5A ? v + 0x20 : v }
        func isOther(_ f: PreTokenizer.Flags) -> Bool {
            f.contains(.present) && f.isDisjoint(with: [.letter, .number, .whitespace])
        }

        var words: [Range<Int>] = []
        words.reserveCapacity(count / 3 + 1)
        var pos = 0
        while pos < count {
            let start = pos
            defer { words.append(start..<pos) }
            let c = cpt(pos), f = allFlags[pos]
            if c == 0x27 && pos + 1 < count { // '
                let n = lower(cpt(pos + 1))
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 { // s t m d
                    pos += 2
                    continue
                }
                if pos + 2 < count {
                    let nn = lower(cpt(pos + 2))
                    if (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) { // re ve ll
                        pos += 3
                        continue
                    }
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !isNewline(c) && !f.contains(.number) && (f.contains(.letter) || fl(pos + 1).contains(.letter)) {
                pos += 1
                while fl(pos).contains(.letter) { pos += 1 }
                continue
            }
            // \p{N}
            if f.contains(.number) {
                pos += 1
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            if isOther(c == 0x20 ? fl(pos + 1) : f) {
                if c == 0x20 { pos += 1 }
                while isOther(fl(pos)) { pos += 1 }
                while isNewline(cpt(pos)) { pos += 1 }
                continue
            }
            // Whitespace from here on (every other code point has matched above).
            var run = 0
            var afterLastNewline = 0
            while fl(pos + run).contains(.whitespace) {
                if isNewline(cpt(pos + run)) { afterLastNewline = pos + run + 1 }
                run += 1
            }
            if afterLastNewline > 0 { // \s*[\r\n]+
                pos = afterLastNewline
            } else if run > 1 && pos + run < count { // \s+(?!\S): one space stays for the next word
                pos += run - 1
            } else if run > 0 { // \s+
                pos += run
            } else {
                pos += 1
            }
        }
        return words
    }
}
