/// Byte-level BPE as llama.cpp runs it for `tokenizer.ggml.model = gpt2`: special tokens are cut
/// out first, the pre-tokenizer cuts words, each word starts as one symbol per byte, and the
/// lowest-ranked adjacent merge is applied until none is left.
public final class BPETokenizer: Sendable {
    public enum TokenKind: Int32, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// The word-splitting rules, from the GGUF's `tokenizer.ggml.pre`.
    public enum PreTokenization: String, Sendable, CaseIterable {
        /// SmolLM2: digits one by one, then GPT-2's rules.
        case smollm
        /// Qwen2 and Qwen2.5: case-insensitive contractions, digits one by one, newline-aware whitespace.
        case qwen2
    }

    public let vocabularySize: Int
    /// Raw bytes each token stands for (special tokens: their literal text).
    public let tokenBytes: [[UInt8]]
    public let kinds: [TokenKind]
    public let bosID: Int32?
    public let eosID: Int32
    public let preTokenization: PreTokenization
    /// Whether llama.cpp starts a prompt with `bosID` (`tokenizer.ggml.add_bos_token`); `encode`
    /// never adds it, a prompt builder does when this is set.
    public let addsBOS: Bool
    private let textToID: [String: Int32]
    private let byteToID: [Int32]
    /// (left << 32 | right) -> (rank, merged id)
    private let merges: [UInt64: (rank: Int32, merged: Int32)]
    /// Special token texts, longest first, cut out before BPE: control and unknown ones only when
    /// asked to, user-defined ones (Qwen's `<tool_call>`) always, as llama.cpp does.
    private let specialTokens: [SpecialTokenPartition.Special]

    public init(tokens: [String], kinds rawKinds: [Int32]?, merges mergeLines: [String], bosID: Int32?, eosID: Int32,
                preTokenization: PreTokenization = .smollm, addsBOS: Bool = false) {
        vocabularySize = tokens.count
        var textToID: [String: Int32] = [:]
        textToID.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where textToID[t] == nil { textToID[t] = Int32(i) }
        let typed: [TokenKind] = (0..<tokens.count).map { i in
            rawKinds.flatMap { i < $0.count ? TokenKind(rawValue: $0[i]) : nil } ?? .normal
        }
        var bytes: [[UInt8]] = []
        bytes.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() {
            switch typed[i] {
            case .normal, .byte, .unused: bytes.append(ByteLevelEncoding.bytes(ofTokenText: t) ?? Array(t.utf8))
            default: bytes.append(Array(t.utf8))
            }
        }
        var byteToID = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            let text = String(Character(ByteLevelEncoding.byteToScalar[b]))
            // Some vocabularies lack a few control bytes; llama.cpp then drops such
            // bytes from the output, so they get a placeholder id that is skipped.
            byteToID[b] = textToID[text] ?? Int32(-1 - b)
        }
        var merges: [UInt64: (rank: Int32, merged: Int32)] = [:]
        merges.reserveCapacity(mergeLines.count)
        for (rank, line) in mergeLines.enumerated() {
            guard let space = line.firstIndex(of: " ") else { continue }
            let left = String(line[..<space]), right = String(line[line.index(after: space)...])
            guard let l = textToID[left], let r = textToID[right], let m = textToID[left + right] else { continue }
            let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
            if merges[key] == nil { merges[key] = (Int32(rank), m) }
        }
        var kinds = typed
        for (i, t) in tokens.enumerated() where ControlLookingTokens.texts.contains(t) { kinds[i] = .control }
        var specials: [SpecialTokenPartition.Special] = []
        for (i, k) in kinds.enumerated() where k == .control || k == .userDefined || k == .unknown {
            if !tokens[i].isEmpty { specials.append(.init(bytes: Array(tokens[i].utf8), id: Int32(i), alwaysParsed: k == .userDefined)) }
        }
        specials.sort { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        self.tokenBytes = bytes
        self.kinds = kinds
        self.textToID = textToID
        self.byteToID = byteToID
        self.merges = merges
        self.specialTokens = specials
        self.bosID = bosID
        self.eosID = eosID
        self.preTokenization = preTokenization
        self.addsBOS = addsBOS
    }

    /// Builds the tokenizer from a GGUF file's `tokenizer.ggml.*` metadata.
    public convenience init(gguf: GGUFFile) throws {
        try self.init(metadata: gguf.metadata)
    }

    /// Builds the tokenizer from `tokenizer.ggml.*` metadata (`GGUFFile.metadata(path:)` reads it
    /// without the tensors). The pre-tokenizer is chosen by `tokenizer.ggml.pre`.
    public convenience init(metadata: [String: GGUFValue]) throws {
        guard let model = metadata["tokenizer.ggml.model"]?.stringValue else { throw GGUFError.missingKey("tokenizer.ggml.model") }
        guard model == "gpt2" else { throw GGUFError.unsupportedModel("tokenizer model '\(model)' (only byte-level BPE 'gpt2' is implemented)") }
        let pre = metadata["tokenizer.ggml.pre"]?.stringValue ?? "default"
        guard let preTokenization = PreTokenization(rawValue: pre) else {
            let known = PreTokenization.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw GGUFError.unsupportedModel("pre-tokenizer '\(pre)' (implemented: \(known))")
        }
        guard let tokens = metadata["tokenizer.ggml.tokens"]?.arrayValue?.compactMap(\.stringValue) else {
            throw GGUFError.missingKey("tokenizer.ggml.tokens")
        }
        let kinds = metadata["tokenizer.ggml.token_type"]?.arrayValue?.compactMap { $0.intValue.map(Int32.init) }
        let merges = metadata["tokenizer.ggml.merges"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let bos = metadata["tokenizer.ggml.bos_token_id"]?.intValue.map(Int32.init)
        guard let eos = metadata["tokenizer.ggml.eos_token_id"]?.intValue.map(Int32.init) else {
            throw GGUFError.missingKey("tokenizer.ggml.eos_token_id")
        }
        let addsBOS = metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? false
        self.init(tokens: tokens, kinds: kinds, merges: merges, bosID: bos, eosID: eos,
                  preTokenization: preTokenization, addsBOS: addsBOS)
    }

    public func id(of text: String) -> Int32? { textToID[text] }

    /// Bytes the vocabulary has no token for; text containing them loses them on
    /// encoding (as in llama.cpp).
    public var unrepresentableBytes: [UInt8] {
        (0..<256).filter { byteToID[$0] < 0 }.map(UInt8.init)
    }

    public func isControl(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < kinds.count && kinds[Int(id)] == .control
    }

    /// Encodes text. With `parseSpecial`, literal control-token texts such as `<|im_start|>`
    /// become their single ids; otherwise they are ordinary text. User-defined tokens (Qwen's
    /// `<tool_call>`) are always single ids, as in llama.cpp.
    public func encode(_ text: String, parseSpecial: Bool = false) -> [Int32] {
        var out: [Int32] = []
        let utf8 = Array(text.utf8)
        for fragment in SpecialTokenPartition.split(utf8, specials: specialTokens.filter { parseSpecial || $0.alwaysParsed }) {
            switch fragment {
            case .token(let id): out.append(id)
            case .text(let range): encodePlain(utf8[range], into: &out)
            }
        }
        return out
    }

    private func encodePlain(_ bytes: ArraySlice<UInt8>, into out: inout [Int32]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let scalars = Array(text.unicodeScalars)
        // Byte offset of each scalar, to cut words out of the UTF-8.
        var byteOffsets = [Int](repeating: 0, count: scalars.count + 1)
        var acc = 0
        for (i, s) in scalars.enumerated() {
            byteOffsets[i] = acc
            acc += UTF8.width(s)
        }
        byteOffsets[scalars.count] = acc
        let utf8 = Array(text.utf8)
        let words = preTokenization == .qwen2 ? Qwen2PreTokenizer.split(scalars) : PreTokenizer.split(scalars)
        for word in words {
            bpe(utf8[byteOffsets[word.lowerBound]..<byteOffsets[word.upperBound]], into: &out)
        }
    }

    private struct Symbol {
        var id: Int32
        var prev: Int
        var next: Int
        var alive: Bool
    }

    private struct Candidate: Comparable {
        var rank: Int32
        var left: Int
        var leftID: Int32
        var rightID: Int32
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.left < b.left
        }
    }

    private func bpe(_ word: ArraySlice<UInt8>, into out: inout [Int32]) {
        var symbols: [Symbol] = []
        symbols.reserveCapacity(word.count)
        for (k, b) in word.enumerated() {
            symbols.append(Symbol(id: byteToID[Int(b)], prev: k - 1, next: k + 1 < word.count ? k + 1 : -1, alive: true))
        }
        var heap = MinHeap<Candidate>()
        func consider(_ l: Int, _ r: Int) {
            guard l >= 0, r >= 0 else { return }
            let key = UInt64(UInt32(bitPattern: symbols[l].id)) << 32 | UInt64(UInt32(bitPattern: symbols[r].id))
            if let m = merges[key] { heap.push(Candidate(rank: m.rank, left: l, leftID: symbols[l].id, rightID: symbols[r].id)) }
        }
        for k in 1..<max(symbols.count, 1) { consider(k - 1, k) }
        while let c = heap.pop() {
            let l = c.left
            let r = symbols[l].next
            guard symbols[l].alive, r >= 0, symbols[l].id == c.leftID, symbols[r].id == c.rightID else { continue }
            let key = UInt64(UInt32(bitPattern: c.leftID)) << 32 | UInt64(UInt32(bitPattern: c.rightID))
            guard let merged = merges[key]?.merged else { continue }
            symbols[l].id = merged
            symbols[r].alive = false
            symbols[l].next = symbols[r].next
            if symbols[r].next >= 0 { symbols[symbols[r].next].prev = l }
            consider(symbols[l].prev, l)
            consider(l, symbols[l].next)
        }
        var k = symbols.isEmpty ? -1 : 0
        while k >= 0 {
            if symbols[k].id >= 0 { out.append(symbols[k].id) }
            k = symbols[k].next
        }
    }

    /// Raw bytes of a token sequence. Control tokens are dropped unless `renderSpecial`.
    public func decode(_ ids: [Int32], renderSpecial: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids { out += bytes(of: id, renderSpecial: renderSpecial) }
        return out
    }

    public func bytes(of id: Int32, renderSpecial: Bool = false) -> [UInt8] {
        guard id >= 0, Int(id) < tokenBytes.count else { return [] }
        if kinds[Int(id)] == .control && !renderSpecial { return [] }
        return tokenBytes[Int(id)]
    }
}

/// A binary min-heap (the standard library has none).
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard items[i] < items[p] else { break }
            items.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l] < items[m] { m = l }
                if r < items.count && items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
