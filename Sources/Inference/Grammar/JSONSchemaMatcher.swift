/// Accepts exactly the byte strings that are prefixes of JSON texts valid under a
/// SchemaGraph (with at most one space after `{ [ , :`). A value type: copying it
/// snapshots the parse, which the token masker relies on.
///
/// A stack of open values, innermost last; each kind of value matches its own bytes
/// (ObjectMatch, FreeObjectMatch, ArrayMatch, StringMatch, NumberMatch, LiteralMatch).
struct JSONSchemaMatcher {
    let graph: SchemaGraph
    /// Empty before the first byte (which picks the root's branch if it is a union) and once complete.
    private var openValues: [OpenValue] = []
    private(set) var isComplete = false

    init(graph: SchemaGraph) {
        self.graph = graph
    }

    /// Consumes one byte; false (and the matcher unusable) if it cannot extend a valid prefix.
    mutating func feed(_ byte: UInt8) -> Bool {
        if isComplete { return false }
        if openValues.isEmpty {
            guard let root = Self.openValue(for: graph.root, startingWith: byte, in: graph) else { return false }
            openValues.append(root)
        }
        while !openValues.isEmpty {
            var innermost = openValues[openValues.count - 1]
            switch innermost.feed(byte, graph) {
            case .accepted:
                openValues[openValues.count - 1] = innermost
                return true
            case .acceptedAndClosed:
                openValues.removeLast()
                if openValues.isEmpty { isComplete = true }
                return true
            case let .startsChild(node):
                openValues[openValues.count - 1] = innermost
                guard let child = Self.openValue(for: node, startingWith: byte, in: graph) else { return false }
                openValues.append(child)
            case .closedBeforeByte:
                openValues.removeLast()
                if openValues.isEmpty { isComplete = true; return false }
            case .rejected:
                return false
            }
        }
        return false
    }

    mutating func feed<S: Sequence>(bytes: S) -> Bool where S.Element == UInt8 {
        for byte in bytes where !feed(byte) { return false }
        return true
    }

    /// Characters left when the innermost value is a string's content (not mid-escape or mid-character).
    func stringContentBudget() -> Int? {
        guard case let .string(string)? = openValues.last, string.phase == .inContent else { return nil }
        return string.maxLength - Int(string.characters)
    }

    /// Bytes that close every open value in the fewest characters; feeding them
    /// makes `isComplete` true.
    func minimalCompletion() -> [UInt8] {
        if openValues.isEmpty && !isComplete { return graph.shortestText(of: graph.root) }
        var completion: [UInt8] = []
        for value in openValues.reversed() { completion += value.shortestCompletion(graph) }
        return completion
    }

    /// The value of `node` that begins with `byte` (the branch of a union that can start with it).
    private static func openValue(for node: Int, startingWith byte: UInt8, in graph: SchemaGraph) -> OpenValue? {
        if case let .union(branches) = graph.nodes[node] {
            for branch in branches where graph.firstBytes(branch).contains(byte) {
                return openValue(for: branch, startingWith: byte, in: graph)
            }
            return nil
        }
        return openValue(for: node, in: graph)
    }

    /// A value of `node` before its first byte; nil for a union (its branch depends on that byte).
    private static func openValue(for node: Int, in graph: SchemaGraph) -> OpenValue? {
        switch graph.nodes[node] {
        case .object: return .object(ObjectMatch(node: node))
        case let .freeObject(valueNode): return .freeObject(FreeObjectMatch(valueNode: valueNode))
        case let .array(item, minItems, maxItems): return .array(ArrayMatch(item: item, minItems: minItems, maxItems: maxItems))
        case let .string(minLength, maxLength): return .string(StringMatch(minLength: minLength, maxLength: maxLength))
        case let .number(integer, allowNegative): return .number(NumberMatch(integerOnly: integer, allowsNegative: allowNegative))
        case let .literals(literals): return .literal(LiteralMatch(node: node, literalCount: literals.count))
        case .union: return nil
        }
    }
}

/// One value being matched: its kind's state.
private enum OpenValue {
    case object(ObjectMatch)
    case freeObject(FreeObjectMatch)
    case array(ArrayMatch)
    case string(StringMatch)
    case number(NumberMatch)
    case literal(LiteralMatch)

    mutating func feed(_ byte: UInt8, _ graph: SchemaGraph) -> MatchStep {
        switch self {
        case var .object(match):
            let step = match.feed(byte, graph.properties(ofObject: match.node))
            self = .object(match)
            return step
        case var .freeObject(match):
            let step = match.feed(byte)
            self = .freeObject(match)
            return step
        case var .array(match):
            let step = match.feed(byte)
            self = .array(match)
            return step
        case var .string(match):
            let step = match.feed(byte)
            self = .string(match)
            return step
        case var .number(match):
            let step = match.feed(byte)
            self = .number(match)
            return step
        case var .literal(match):
            let step = match.feed(byte, graph.literals(of: match.node))
            self = .literal(match)
            return step
        }
    }

    func shortestCompletion(_ graph: SchemaGraph) -> [UInt8] {
        switch self {
        case let .object(match): return match.shortestCompletion(graph.properties(ofObject: match.node), graph)
        case let .freeObject(match): return match.shortestCompletion()
        case let .array(match): return match.shortestCompletion(graph)
        case let .string(match): return match.shortestCompletion()
        case let .number(match): return match.shortestCompletion()
        case let .literal(match): return match.shortestCompletion(graph.literals(of: match.node))
        }
    }
}

/// What one byte did to the innermost open value.
enum MatchStep {
    /// The byte extends the value, which stays open.
    case accepted
    /// The byte ends the value.
    case acceptedAndClosed
    /// The byte begins a nested value of this node (the byte is fed to it next).
    case startsChild(node: Int)
    /// The value ended just before the byte (a number or literal has no closing character);
    /// the byte goes to the enclosing value.
    case closedBeforeByte
    case rejected
}

/// The JSON punctuation the matchers read and write.
enum JSONByte {
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
}
