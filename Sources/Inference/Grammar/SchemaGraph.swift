import Foundation

/// A JSON Schema compiled into a graph of value shapes the byte matcher can
/// follow. Supported: type (incl. type arrays), properties, required, items,
/// minItems/maxItems, minLength/maxLength, enum, const, anyOf/oneOf (branches
/// with distinct first characters; overlapping ones keep the first), minimum >= 0
/// (no minus sign), local $ref. Anything else degrades to "any JSON value" for
/// that subtree, so output always parses. Every shape is bounded (string length,
/// item and key counts, depth, digits) so generation always terminates.
final class SchemaGraph: @unchecked Sendable {
    struct Property {
        let name: String
        /// The key as it appears between the quotes (JSON-escaped UTF-8).
        let keyBytes: [UInt8]
        let node: Int
        let required: Bool
    }

    enum Node {
        case object(properties: [Property])
        /// An object with free keys, every value of `valueNode`.
        case freeObject(valueNode: Int)
        case array(item: Int, minItems: Int, maxItems: Int)
        case string(minLength: Int, maxLength: Int)
        case number(integer: Bool, allowNegative: Bool)
        /// One of these exact JSON texts (enum, const, booleans, null).
        case literals([[UInt8]])
        /// The branch whose first byte matches.
        case union([Int])
    }

    static let defaultMaxStringLength = 200
    static let anyStringLength = 64
    static let maxItemsCap = 16
    static let maxFreeKeys = 8
    static let maxFreeKeyLength = 32
    static let anyDepth = 3
    static let maxIntegerDigits = 12
    static let maxFractionDigits = 6

    private(set) var nodes: [Node] = []
    private(set) var root = 0
    private var anyNodes: [Int: Int] = [:]

    /// Compiles a schema given as JSON text. A schema that is not an object is an error.
    init(schemaJSON: String, toolName: String) throws {
        let schema: JSONText
        do { schema = try JSONText.parse(schemaJSON) } catch {
            throw InferenceError.invalidToolSchema(tool: toolName, reason: "not valid JSON: \(error)")
        }
        guard case .object = schema else { throw InferenceError.invalidToolSchema(tool: toolName, reason: "the parameters schema must be a JSON object") }
        var compiler = Compiler(graph: self, rootSchema: schema)
        // Tool arguments are always an object, even when the schema omits "type".
        root = compiler.compile(schema, depth: 0, forceObject: true)
    }

    fileprivate func add(_ node: Node) -> Int {
        nodes.append(node)
        return nodes.count - 1
    }

    /// "Any JSON value" with bounded nesting.
    fileprivate func anyNode(depth: Int) -> Int {
        if let n = anyNodes[depth] { return n }
        var branches = [
            add(.string(minLength: 0, maxLength: Self.anyStringLength)),
            add(.number(integer: false, allowNegative: true)),
            add(.literals([Array("true".utf8), Array("false".utf8), Array("null".utf8)])),
        ]
        if depth > 0 {
            let inner = anyNode(depth: depth - 1)
            branches.append(add(.freeObject(valueNode: inner)))
            branches.append(add(.array(item: inner, minItems: 0, maxItems: Self.maxItemsCap)))
        }
        let n = add(.union(branches))
        anyNodes[depth] = n
        return n
    }

    /// The bytes a value of `node` may start with.
    func firstBytes(_ node: Int) -> Set<UInt8> {
        Set((UInt8.min...UInt8.max).filter { canStart(node, with: $0) })
    }

    /// Whether a value of `node` may start with `byte` (the matcher asks for every candidate
    /// token, so this allocates nothing).
    func canStart(_ node: Int, with byte: UInt8) -> Bool {
        switch nodes[node] {
        case .object, .freeObject: return byte == UInt8(ascii: "{")
        case .array: return byte == UInt8(ascii: "[")
        case .string: return byte == UInt8(ascii: "\"")
        case let .number(_, allowNegative): return (byte >= 0x30 && byte <= 0x39) || (allowNegative && byte == UInt8(ascii: "-"))
        case let .literals(literals): return literals.contains { $0.first == byte }
        case let .union(branches): return branches.contains { canStart($0, with: byte) }
        }
    }
}

private struct Compiler {
    let graph: SchemaGraph
    let rootSchema: JSONText
    var refsInProgress: [String] = []

    init(graph: SchemaGraph, rootSchema: JSONText) {
        self.graph = graph
        self.rootSchema = rootSchema
    }

    mutating func compile(_ schema: JSONText, depth: Int, forceObject: Bool = false) -> Int {
        guard depth < 12, case .object = schema else { return graph.anyNode(depth: SchemaGraph.anyDepth) }
        if let ref = schema["$ref"]?.stringValue {
            return compileRef(ref, depth: depth)
        }
        if let constant = schema["const"] {
            return graph.add(.literals([Array(constant.serialized().utf8)]))
        }
        if let options = schema["enum"]?.arrayValue, !options.isEmpty {
            return graph.add(.literals(Array(options.prefix(64)).map { Array($0.serialized().utf8) }))
        }
        if let branches = (schema["anyOf"] ?? schema["oneOf"])?.arrayValue, !branches.isEmpty {
            return union(branches.map { compile($0, depth: depth + 1) })
        }
        var types: [String] = []
        if let t = schema["type"]?.stringValue { types = [t] }
        if let ts = schema["type"]?.arrayValue { types = ts.compactMap(\.stringValue) }
        if forceObject { types = ["object"] }
        if types.isEmpty {
            if schema["properties"] != nil { types = ["object"] } else if schema["items"] != nil { types = ["array"] }
        }
        let nodes = types.compactMap { compileTyped($0, schema, depth: depth) }
        if nodes.isEmpty { return graph.anyNode(depth: SchemaGraph.anyDepth) }
        return nodes.count == 1 ? nodes[0] : union(nodes)
    }

    mutating func compileTyped(_ type: String, _ schema: JSONText, depth: Int) -> Int? {
        switch type {
        case "object":
            guard case let .object(props)? = schema["properties"], !props.isEmpty else {
                return graph.add(.freeObject(valueNode: graph.anyNode(depth: min(SchemaGraph.anyDepth, 2))))
            }
            let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            var properties: [SchemaGraph.Property] = []
            for (name, sub) in props.prefix(64) {
                let quoted = Array(JSONText.quote(name).utf8)
                let node = compile(sub, depth: depth + 1)
                properties.append(.init(name: name, keyBytes: Array(quoted[1..<(quoted.count - 1)]), node: node, required: required.contains(name)))
            }
            return graph.add(.object(properties: properties))
        case "array":
            let item = schema["items"].map { compile($0, depth: depth + 1) } ?? graph.anyNode(depth: 1)
            let minItems = max(0, Int(schema["minItems"]?.doubleValue ?? 0))
            var maxItems = Int(schema["maxItems"]?.doubleValue ?? Double(SchemaGraph.maxItemsCap))
            maxItems = max(minItems, min(maxItems, max(SchemaGraph.maxItemsCap, minItems)))
            return graph.add(.array(item: item, minItems: minItems, maxItems: maxItems))
        case "string":
            let minLength = max(0, Int(schema["minLength"]?.doubleValue ?? 0))
            let maxLength = Int(schema["maxLength"]?.doubleValue ?? Double(SchemaGraph.defaultMaxStringLength))
            return graph.add(.string(minLength: minLength, maxLength: max(minLength, min(maxLength, 4096))))
        case "number", "integer":
            let nonNegative = (schema["minimum"]?.doubleValue ?? -1) >= 0 || (schema["exclusiveMinimum"]?.doubleValue ?? -1) >= 0
            return graph.add(.number(integer: type == "integer", allowNegative: !nonNegative))
        case "boolean":
            return graph.add(.literals([Array("true".utf8), Array("false".utf8)]))
        case "null":
            return graph.add(.literals([Array("null".utf8)]))
        default:
            return nil
        }
    }

    /// Branches whose first bytes overlap an earlier branch's are dropped: the
    /// matcher picks a branch by its first byte, and any kept branch is still valid.
    mutating func union(_ branches: [Int]) -> Int {
        var kept: [Int] = []
        var seen = Set<UInt8>()
        for b in branches {
            let first = graph.firstBytes(b)
            if first.isDisjoint(with: seen) {
                kept.append(b)
                seen.formUnion(first)
            }
        }
        return kept.count == 1 ? kept[0] : graph.add(.union(kept))
    }

    mutating func compileRef(_ ref: String, depth: Int) -> Int {
        let parts = ref.split(separator: "/").map(String.init)
        guard parts.first == "#", !refsInProgress.contains(ref) else { return graph.anyNode(depth: SchemaGraph.anyDepth) }
        var target: JSONText? = rootSchema
        for p in parts.dropFirst() {
            let key = p.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            target = target?[key]
        }
        guard let resolved = target else { return graph.anyNode(depth: SchemaGraph.anyDepth) }
        refsInProgress.append(ref)
        defer { refsInProgress.removeLast() }
        return compile(resolved, depth: depth + 1)
    }
}
