extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        // Our own decoder holds the value already: take it as it is.
        if let reader = decoder as? JSONValueReadingDecoder {
            self = reader.value
            return
        }
        self = try Self.probe(decoder.singleValueContainer())
    }

    /// Other decoders (Foundation's) only answer "is it a T?": ask in turn, the commonest kinds
    /// first. Integers before doubles, so that `7` stays an integer.
    private static func probe(_ container: any SingleValueDecodingContainer) throws -> JSONValue {
        if container.decodeNil() { return .null }
        if let value = try? container.decode(String.self) { return .string(value) }
        if let value = try? container.decode(Bool.self) { return .bool(value) }
        if let value = try? container.decode(Int64.self) { return .int(value) }
        if let value = try? container.decode(Double.self) { return .double(value) }
        if let value = try? container.decode([String: JSONValue].self) { return .object(value) }
        do {
            return .array(try container.decode([JSONValue].self))
        } catch {
            throw DecodingError.typeMismatch(
                JSONValue.self,
                .init(codingPath: container.codingPath, debugDescription: "Expected a JSON value (null, boolean, number, string, array or object).", underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if let builder = encoder as? JSONValueBuildingEncoder {
            builder.set(self)
            return
        }
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// Encodes any Encodable into a JSON value, as Foundation's JSONEncoder would write it (see `JSONValueEncoder`).
    public init(encoding value: some Encodable) throws {
        self = try JSONValueEncoder().encode(value)
    }

    /// Decodes this value into a Decodable type, as Foundation's JSONDecoder would read it (see `JSONValueDecoder`).
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONValueDecoder().decode(T.self, from: self)
    }
}
