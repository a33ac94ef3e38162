/// Something that accepts or rejects bytes one at a time; copies are snapshots.
protocol ByteMatcher {
    mutating func feed(_ b: UInt8) -> Bool
}

extension JSONSchemaMatcher: ByteMatcher {}

/// Finds every vocabulary token whose bytes a matcher accepts, walking the
/// vocabulary in byte order so tokens that share a prefix share its matching
/// work and a rejected prefix rules out all tokens beginning with it.
final class TokenMasker: @unchecked Sendable {
    private let tokenBytes: [[UInt8]]
    /// Candidate ids (not control or user-defined, non-empty) sorted by bytes, and each one's common
    /// prefix length with its predecessor.
    private let sorted: [Int32]
    private let lcp: [Int32]
    /// The same for tokens that are not plain JSON string content.
    private let sortedSpecialInString: [Int32]
    private let lcpSpecialInString: [Int32]
    /// Code points of tokens that are plain string content (no quote, backslash or
    /// control byte; complete UTF-8), else -1.
    let plainStringLength: [Int32]
    /// Plain tokens grouped by length, for the string fast path.
    private let plainByLength: [[Int32]]

    init(tokenizer: BPETokenizer) {
        tokenBytes = tokenizer.tokenBytes
        var ids: [Int32] = []
        // User-defined tokens (Qwen's `<tool_call>`) are markup, never JSON content.
        for i in 0..<tokenizer.vocabularySize
        where !tokenizer.isControl(Int32(i)) && tokenizer.kinds[i] != .userDefined && !tokenizer.tokenBytes[i].isEmpty {
            ids.append(Int32(i))
        }
        let bytes = tokenizer.tokenBytes
        ids.sort { bytes[Int($0)].lexicographicallyPrecedes(bytes[Int($1)]) }
        func prefixLengths(_ order: [Int32]) -> [Int32] {
            var out = [Int32](repeating: 0, count: order.count)
            for k in 1..<max(order.count, 1) {
                let a = bytes[Int(order[k - 1])], b = bytes[Int(order[k])]
                var n = 0
                while n < a.count && n < b.count && a[n] == b[n] { n += 1 }
                out[k] = Int32(n)
            }
            return out
        }
        sorted = ids
        lcp = prefixLengths(ids)
        var plain = [Int32](repeating: -1, count: tokenizer.vocabularySize)
        var byLength: [[Int32]] = []
        for id in ids {
            let b = bytes[Int(id)]
            guard !b.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }),
                  let s = String(validating: b, as: UTF8.self) else { continue }
            let n = s.unicodeScalars.count
            plain[Int(id)] = Int32(n)
            while byLength.count <= n { byLength.append([]) }
            byLength[n].append(id)
        }
        plainStringLength = plain
        plainByLength = byLength
        let special = ids.filter { plain[Int($0)] < 0 }
        sortedSpecialInString = special
        lcpSpecialInString = prefixLengths(special)
    }

    /// Ids of all tokens the matcher accepts in full.
    func allowed<M: ByteMatcher>(_ matcher: M) -> [Int32] {
        Self.walk(matcher, sorted, lcp, tokenBytes)
    }

    /// As `allowed`, for a JSON matcher: inside a string with room for `budget`
    /// more characters, plain tokens are admitted by length and only the rest walked.
    func allowed(_ matcher: JSONSchemaMatcher) -> [Int32] {
        guard let budget = matcher.plainStringBudget else { return Self.walk(matcher, sorted, lcp, tokenBytes) }
        var out = Self.walk(matcher, sortedSpecialInString, lcpSpecialInString, tokenBytes)
        for n in 1..<min(plainByLength.count, budget + 1) { out += plainByLength[n] }
        return out
    }

    private static func walk<M: ByteMatcher>(_ matcher: M, _ order: [Int32], _ lcp: [Int32], _ bytes: [[UInt8]]) -> [Int32] {
        var states: [M] = [matcher]     // states[d]: after the first d bytes of the current token
        states.reserveCapacity(64)
        var out: [Int32] = []
        for k in 0..<order.count {
            let shared = Int(lcp[k])
            // A shorter valid prefix than `shared` means this token extends a rejected prefix.
            if states.count - 1 < shared { continue }
            states.removeLast(states.count - 1 - shared)
            let b = bytes[Int(order[k])]
            var ok = true
            for d in shared..<b.count {
                var m = states[d]
                if !m.feed(b[d]) { ok = false; break }
                states.append(m)
            }
            if ok { out.append(order[k]) }
        }
        return out
    }
}

/// Matches exactly one of several literal strings (e.g. "message:" or
/// "functions.get_weather:").
struct LiteralChoiceMatcher: ByteMatcher {
    let options: [[UInt8]]
    private var alive: [Bool]
    private var position = 0

    init(_ options: [String]) {
        self.options = options.map { Array($0.utf8) }
        alive = [Bool](repeating: true, count: options.count)
    }

    mutating func feed(_ b: UInt8) -> Bool {
        guard matched == nil else { return false }
        var any = false
        for i in options.indices where alive[i] {
            if position < options[i].count && options[i][position] == b { any = true } else { alive[i] = false }
        }
        position += 1
        return any
    }

    /// The option matched in full, if any.
    var matched: Int? {
        options.indices.first { alive[$0] && options[$0].count == position }
    }
}

extension JSONSchemaMatcher {
    /// Characters still allowed when the parse is in a plain string's content.
    var plainStringBudget: Int? { stringContentBudget() }
}
