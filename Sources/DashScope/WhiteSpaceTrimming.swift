extension String {
    /// The string without leading and trailing white space (Unicode's White_Space, the set
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` removes), without bridging to NSString and
    /// CoreFoundation's character tables: the key is read at start-up, where that bridging was
    /// ~0.3 MB of the idle process's pages.
    var trimmingWhiteSpace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isWhiteSpace }),
            let last = scalars.lastIndex(where: { !$0.isWhiteSpace })
        else { return "" }
        return String(scalars[first...last])
    }
}

extension Unicode.Scalar {
    /// ASCII (an API key's alphabet) without a table lookup; CoreFoundation's set also holds the
    /// zero width space (U+200B), which Unicode no longer counts as white space.
    fileprivate var isWhiteSpace: Bool {
        isASCII ? value == 0x20 || (0x09...0x0D).contains(value) : properties.isWhitespace || value == 0x200B
    }
}
