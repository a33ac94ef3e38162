/// Cuts special-token texts out of the input before BPE, as llama.cpp's `tokenizer_st_partition`
/// does: one special at a time, longest text first, every occurrence in every piece of text still
/// left (so a longer special wins over a shorter one inside it, wherever each starts).
enum SpecialTokenPartition {
    struct Special: Sendable {
        let bytes: [UInt8]
        let id: Int32
        /// User-defined tokens are cut out even when special tokens are not parsed.
        let alwaysParsed: Bool
    }

    enum Fragment: Equatable {
        case token(Int32)
        case text(Range<Int>)
    }

    /// `specials` must be ordered longest first.
    static func split(_ text: [UInt8], specials: [Special]) -> [Fragment] {
        var fragments: [Fragment] = text.isEmpty ? [] : [.text(0..<text.count)]
        for special in specials {
            guard let first = special.bytes.first else { continue }
            let length = special.bytes.count
            var next: [Fragment] = []
            var found = false
            for fragment in fragments {
                guard case .text(let range) = fragment else {
                    next.append(fragment)
                    continue
                }
                var start = range.lowerBound, i = range.lowerBound
                while i + length <= range.upperBound {
                    if text[i] == first && text[i..<(i + length)].elementsEqual(special.bytes) {
                        if start < i { next.append(.text(start..<i)) }
                        next.append(.token(special.id))
                        i += length
                        start = i
                        found = true
                    } else {
                        i += 1
                    }
                }
                if start < range.upperBound { next.append(.text(start..<range.upperBound)) }
            }
            if found { fragments = next }
        }
        return fragments
    }
}
