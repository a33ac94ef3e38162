extension SchemaGraph {
    /// The shortest JSON text valid for `node`: required properties only, the fewest items,
    /// the shortest strings and literals, `0` for numbers.
    func shortestText(of node: Int) -> [UInt8] {
        switch nodes[node] {
        case let .object(properties):
            let required = properties.filter(\.required).map { [JSONByte.quote] + $0.keyBytes + [JSONByte.quote, JSONByte.colon] + shortestText(of: $0.node) }
            return [JSONByte.openBrace] + Array(required.joined(separator: [JSONByte.comma])) + [JSONByte.closeBrace]
        case .freeObject:
            return Array("{}".utf8)
        case let .array(item, minItems, _):
            return [JSONByte.openBracket] + shortestItems(item, count: minItems) + [JSONByte.closeBracket]
        case let .string(minLength, _):
            return [JSONByte.quote] + [UInt8](repeating: UInt8(ascii: "a"), count: minLength) + [JSONByte.quote]
        case .number:
            return [UInt8(ascii: "0")]
        case let .literals(literals):
            return literals.min { $0.count < $1.count } ?? Array("null".utf8)
        case let .union(branches):
            return branches.map { shortestText(of: $0) }.min { $0.count < $1.count } ?? Array("null".utf8)
        }
    }

    /// `count` shortest items separated by commas.
    func shortestItems(_ item: Int, count: Int) -> [UInt8] {
        Array(repeatElement(shortestText(of: item), count: count).joined(separator: [JSONByte.comma]))
    }
}
