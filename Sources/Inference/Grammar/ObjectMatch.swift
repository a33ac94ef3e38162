/// Matches an object with declared properties. Keys come in declared order, each at most
/// once, and every required key before the object closes.
struct ObjectMatch {
    enum Phase {
        case beforeOpenBrace
        /// A key (or `}`) next.
        case afterOpenBrace
        case inKey
        /// `:` next.
        case afterKey
        /// The value next.
        case afterColon
        /// `,` or `}` next.
        case afterValue
        /// A key next.
        case afterComma
    }

    let node: Int32
    private var phase = Phase.beforeOpenBrace
    /// The one space allowed after `{`, `,` or `:` was written.
    private var spaceUsed = false
    /// Index of the last key written; -1 before the first.
    private var lastKey: Int32 = -1
    /// Bytes of the current key read so far.
    private var keyLength: Int32 = 0
    /// The properties (a bit per index) whose key starts with the bytes read so far.
    private var candidateKeys: UInt64 = 0

    init(node: Int) { self.node = Int32(node) }

    mutating func feed(_ byte: UInt8, _ properties: [SchemaGraph.Property]) -> MatchStep {
        switch phase {
        case .beforeOpenBrace:
            guard byte == JSONByte.openBrace else { return .rejected }
            phase = .afterOpenBrace
            return .accepted
        case .afterOpenBrace, .afterComma:
            if byte == JSONByte.space && !spaceUsed { spaceUsed = true; return .accepted }
            if byte == JSONByte.quote {
                candidateKeys = Self.keysAllowed(properties, after: lastKey)
                guard candidateKeys != 0 else { return .rejected }
                phase = .inKey
                keyLength = 0
                return .accepted
            }
            if phase == .afterOpenBrace && byte == JSONByte.closeBrace && !Self.requiredKeyRemains(properties, after: lastKey) {
                return .acceptedAndClosed
            }
            return .rejected
        case .inKey:
            let position = Int(keyLength)
            if byte == JSONByte.quote {
                for index in properties.indices where isCandidate(index) && properties[index].keyBytes.count == position {
                    lastKey = Int32(index)
                    phase = .afterKey
                    return .accepted
                }
                return .rejected
            }
            var stillMatching: UInt64 = 0
            for index in properties.indices where isCandidate(index) {
                let key = properties[index].keyBytes
                if position < key.count && key[position] == byte { stillMatching |= UInt64(1) << UInt64(index) }
            }
            guard stillMatching != 0 else { return .rejected }
            candidateKeys = stillMatching
            keyLength += 1
            return .accepted
        case .afterKey:
            guard byte == JSONByte.colon else { return .rejected }
            phase = .afterColon
            spaceUsed = false
            return .accepted
        case .afterColon:
            if byte == JSONByte.space && !spaceUsed { spaceUsed = true; return .accepted }
            phase = .afterValue
            return .startsChild(node: properties[Int(lastKey)].node)
        case .afterValue:
            if byte == JSONByte.comma && Self.keysAllowed(properties, after: lastKey) != 0 {
                phase = .afterComma
                spaceUsed = false
                return .accepted
            }
            if byte == JSONByte.closeBrace && !Self.requiredKeyRemains(properties, after: lastKey) { return .acceptedAndClosed }
            return .rejected
        }
    }

    func shortestCompletion(_ properties: [SchemaGraph.Property], _ graph: SchemaGraph) -> [UInt8] {
        let last = Int(lastKey)
        switch phase {
        case .beforeOpenBrace:
            return graph.shortestText(of: Int(node))
        case .afterOpenBrace, .afterComma:
            if phase == .afterOpenBrace && !Self.requiredKeyRemains(properties, after: lastKey) { return [JSONByte.closeBrace] }
            // A key must follow: the next required one, else the next property.
            let target = properties.indices.first { $0 > last && properties[$0].required } ?? last + 1
            return [JSONByte.quote] + properties[target].keyBytes + [JSONByte.quote, JSONByte.colon]
                + graph.shortestText(of: properties[target].node) + Self.closingText(properties, after: target, graph)
        case .inKey:
            let candidates = properties.indices.filter(isCandidate)
            let target = candidates.first { properties[$0].keyBytes.count >= Int(keyLength) } ?? candidates[0]
            return Array(properties[target].keyBytes[Int(keyLength)...]) + [JSONByte.quote, JSONByte.colon]
                + graph.shortestText(of: properties[target].node) + Self.closingText(properties, after: target, graph)
        case .afterKey:
            return [JSONByte.colon] + graph.shortestText(of: properties[last].node) + Self.closingText(properties, after: last, graph)
        case .afterColon:
            return graph.shortestText(of: properties[last].node) + Self.closingText(properties, after: last, graph)
        case .afterValue:
            return Self.closingText(properties, after: last, graph)
        }
    }

    private func isCandidate(_ index: Int) -> Bool { candidateKeys & (UInt64(1) << UInt64(index)) != 0 }

    /// Keys that may come after `last`: up to and including the next required one.
    private static func keysAllowed(_ properties: [SchemaGraph.Property], after last: Int32) -> UInt64 {
        var allowed: UInt64 = 0
        var index = Int(last) + 1
        while index < properties.count {
            allowed |= UInt64(1) << UInt64(index)
            if properties[index].required { break }
            index += 1
        }
        return allowed
    }

    private static func requiredKeyRemains(_ properties: [SchemaGraph.Property], after last: Int32) -> Bool {
        properties[(Int(last) + 1)...].contains { $0.required }
    }

    /// `,"key":value` for every required property after `last`, then `}`.
    private static func closingText(_ properties: [SchemaGraph.Property], after last: Int, _ graph: SchemaGraph) -> [UInt8] {
        var text: [UInt8] = []
        for index in (last + 1)..<properties.count where properties[index].required {
            text += [JSONByte.comma, JSONByte.quote] + properties[index].keyBytes + [JSONByte.quote, JSONByte.colon]
                + graph.shortestText(of: properties[index].node)
        }
        return text + [JSONByte.closeBrace]
    }
}

extension SchemaGraph {
    func properties(ofObject node: Int32) -> [Property] {
        guard case let .object(properties) = nodes[Int(node)] else { preconditionFailure("node \(node) is not an object") }
        return properties
    }
}
