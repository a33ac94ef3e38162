import JSONCore

/// A tool definition as the service takes it: `{"type":"function","function":{…}}`, a built-in
/// (`code_interpreter`, `search`, `quark_search`, `text_to_image`, `wanx`), or a plugin with its
/// own fields. Kept as the raw object so that tools the bridge does not know pass through.
public struct Tool: Codable, Sendable, Equatable {
    public var raw: JSONObject

    public init(raw: JSONObject) { self.raw = raw }

    public static func function(_ definition: FunctionDefinition) -> Tool {
        var function: JSONObject = ["name": .string(definition.name)]
        if let description = definition.description { function["description"] = .string(description) }
        if let parameters = definition.parameters { function["parameters"] = parameters }
        return Tool(raw: ["type": "function", "function": .object(function)])
    }

    public var type: String { raw["type"]?.stringValue ?? "" }

    /// The function definition, for `type == "function"` tools that passed validation.
    public var function: FunctionDefinition? {
        guard type == "function", let function = raw["function"]?.objectValue,
            let name = function["name"]?.stringValue
        else { return nil }
        return FunctionDefinition(
            name: name, description: function["description"]?.stringValue, parameters: function["parameters"])
    }

    /// The same tool with plugin secrets (`auth.user_token` and the like) replaced, for storage and logs.
    public var redacted: Tool {
        Tool(raw: SecretRedaction.redact(.object(raw)).objectValue ?? raw)
    }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .object(let object) = value else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a tool must be an object"))
        }
        raw = object
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(raw).encode(to: encoder)
    }
}

public struct FunctionDefinition: Sendable, Equatable {
    public var name: String
    public var description: String?
    /// A JSON Schema object.
    public var parameters: JSONValue?

    public init(name: String, description: String? = nil, parameters: JSONValue? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}
