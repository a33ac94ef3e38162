import JSONCore

/// A JSON Schema validator for the subset protocol/assistd.openrpc.json uses: `type` (one or a
/// list, `null` included), `properties`, `required`, `additionalProperties`, `items`, `enum`,
/// `const`, `oneOf` (exactly one), `anyOf`, `allOf`, and `$ref` into the document. Keywords it
/// does not know are an error, so a schema the document starts using cannot pass unchecked.
struct SchemaValidator {
    let document: JSONValue

    static let annotations: Set<String> = ["description", "title", "examples", "default", "format", "minimum", "maximum", "maxLength", "minLength", "minItems", "maxItems", "pattern"]
    static let keywords: Set<String> = ["type", "properties", "required", "additionalProperties", "items", "enum", "const", "oneOf", "anyOf", "allOf", "$ref"]

    /// Every way `value` breaks `schema`, as `path: problem` lines; empty when it conforms.
    func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        guard case .object(let rules) = schema else {
            return schema == .bool(true) ? [] : ["\(path): the schema is not an object: \(schema.serializedString())"]
        }
        var found: [String] = []
        for key in rules.keys where !Self.keywords.contains(key) && !Self.annotations.contains(key) && !key.hasPrefix("x-") {
            found.append("\(path): the validator does not know the keyword '\(key)'")
        }
        if let reference = rules["$ref"]?.stringValue {
            guard let target = resolve(reference) else { return found + ["\(path): dangling $ref \(reference)"] }
            found += problems(value, target, at: path)
        }
        if let type = rules["type"] {
            let names = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? "?"]
            guard names.contains(where: { Self.value(value, is: $0) }) else {
                return found + ["\(path): expected \(names.joined(separator: " or ")), got \(Self.excerpt(value))"]
            }
        }
        if let options = rules["enum"]?.arrayValue, !options.contains(value) {
            found.append("\(path): \(Self.excerpt(value)) is not one of \(JSONValue.array(options).serializedString())")
        }
        if let constant = rules["const"], constant != value {
            found.append("\(path): expected \(constant.serializedString()), got \(Self.excerpt(value))")
        }
        for sub in rules["allOf"]?.arrayValue ?? [] { found += problems(value, sub, at: path) }
        if let options = rules["anyOf"]?.arrayValue {
            let each = options.map { problems(value, $0, at: path) }
            if !each.contains(where: \.isEmpty) {
                found.append("\(path): matches none of anyOf: \(each.map { $0.joined(separator: "; ") })")
            }
        }
        if let options = rules["oneOf"]?.arrayValue {
            let each = options.map { problems(value, $0, at: path) }
            let matching = each.filter(\.isEmpty).count
            if matching != 1 {
                found.append("\(path): matches \(matching) of oneOf (exactly 1 needed): \(Self.excerpt(value)) — \(each.map { $0.joined(separator: "; ") })")
            }
        }
        if case .object(let members) = value {
            let properties = rules["properties"]?.objectValue ?? [:]
            for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                found.append("\(path): missing required '\(name)'")
            }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let property = properties[name] {
                    found += problems(member, property, at: "\(path).\(name)")
                } else if let additional = rules["additionalProperties"] {
                    if additional == .bool(false) {
                        found.append("\(path): '\(name)' is not a documented member")
                    } else if additional.objectValue != nil {
                        found += problems(member, additional, at: "\(path).\(name)")
                    }
                }
            }
        }
        if case .array(let elements) = value, let items = rules["items"] {
            for (index, element) in elements.enumerated() { found += problems(element, items, at: "\(path)[\(index)]") }
        }
        return found
    }

    /// `#/components/schemas/Run` and the like.
    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") {
            node = node?[part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
        return node
    }

    static func value(_ value: JSONValue, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("integer", .int),
             ("number", .int), ("number", .double):
            return true
        case ("integer", .double(let number)):
            return number.rounded() == number
        default:
            return false
        }
    }

    static func excerpt(_ value: JSONValue) -> String {
        let text = value.serializedString()
        return text.count > 160 ? String(text.prefix(160)) + "…" : text
    }
}
