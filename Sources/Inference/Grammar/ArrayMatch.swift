/// Matches an array of one item shape, between `minItems` and `maxItems` long.
struct ArrayMatch {
    enum Phase {
        case beforeOpenBracket
        /// An item (or `]`) next.
        case afterOpenBracket
        /// `,` or `]` next.
        case afterItem
        /// An item next.
        case afterComma
    }

    let item: Int32
    let minItems: Int32
    let maxItems: Int32
    private var phase = Phase.beforeOpenBracket
    /// The one space allowed after `[` or `,` was written.
    private var spaceUsed = false
    /// Items started so far.
    private var items: Int32 = 0

    init(item: Int, minItems: Int, maxItems: Int) {
        self.item = Int32(item)
        self.minItems = Int32(minItems)
        self.maxItems = Int32(maxItems)
    }

    mutating func feed(_ byte: UInt8) -> MatchStep {
        switch phase {
        case .beforeOpenBracket:
            guard byte == JSONByte.openBracket else { return .rejected }
            phase = .afterOpenBracket
            return .accepted
        case .afterOpenBracket, .afterComma:
            if byte == JSONByte.space && !spaceUsed { spaceUsed = true; return .accepted }
            if phase == .afterOpenBracket && byte == JSONByte.closeBracket { return minItems == 0 ? .acceptedAndClosed : .rejected }
            guard items < maxItems else { return .rejected }
            items += 1
            phase = .afterItem
            return .startsChild(node: Int(item))
        case .afterItem:
            if byte == JSONByte.comma && items < maxItems { phase = .afterComma; spaceUsed = false; return .accepted }
            if byte == JSONByte.closeBracket && items >= minItems { return .acceptedAndClosed }
            return .rejected
        }
    }

    func shortestCompletion(_ graph: SchemaGraph) -> [UInt8] {
        let item = Int(item)
        switch phase {
        case .beforeOpenBracket:
            return [JSONByte.openBracket] + graph.shortestItems(item, count: Int(minItems)) + [JSONByte.closeBracket]
        case .afterOpenBracket:
            return graph.shortestItems(item, count: Int(minItems)) + [JSONByte.closeBracket]
        case .afterComma:
            // An item must follow the comma, even when enough were written.
            return graph.shortestItems(item, count: max(1, Int(minItems - items))) + [JSONByte.closeBracket]
        case .afterItem:
            let missing = max(0, Int(minItems - items))
            return (missing > 0 ? [JSONByte.comma] + graph.shortestItems(item, count: missing) : []) + [JSONByte.closeBracket]
        }
    }
}
