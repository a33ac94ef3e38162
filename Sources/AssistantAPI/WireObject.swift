import JSONCore

/// An object that crosses the bridge in the service's JSON shape. The service writes unset
/// fields as `null` rather than leaving them out, so `wireJSON` fills every declared key.
public protocol WireObject: Codable, Sendable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

extension WireObject {
    public func wireJSON() throws -> JSONValue {
        guard case .object(var object) = try JSONValue(encoding: self) else {
            return try JSONValue(encoding: self)
        }
        for key in CodingKeys.allCases where object[key.stringValue] == nil {
            object[key.stringValue] = .null
        }
        return .object(object)
    }

    public init(wireJSON value: JSONValue) throws {
        self = try value.decode(Self.self)
    }
}

/// Decoding helpers that accept the service's inconsistent spellings of "unset":
/// `null`, `{}`, `""`, `0` or `-1` (protocol/hosted-service.md §9.2). Each tries the expected type first:
/// a failed attempt builds an error, which costs far more than the decoding itself, so the
/// general `JSONValue` path is kept for the unusual spellings.
extension KeyedDecodingContainer {
    func lenientString(_ key: Key) throws -> String? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let string = try? decode(String.self, forKey: key) { return string }
        let value = try decode(JSONValue.self, forKey: key)
        switch value {
        case .string(let string): return string
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return String(flag)
        default: return nil
        }
    }

    func lenientInt(_ key: Key) throws -> Int64? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let number = try? decode(Int64.self, forKey: key) { return number }
        return try decode(JSONValue.self, forKey: key).intValue
    }

    func lenientDouble(_ key: Key) throws -> Double? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let number = try? decode(Double.self, forKey: key) { return number }
        return try decode(JSONValue.self, forKey: key).doubleValue
    }

    /// An object field that the service may send as `{}` or with empty members to mean "none";
    /// anything that is not an object (`""`, `0`) also means "none".
    func lenientObject<T: Decodable>(_ type: T.Type, _ key: Key, emptyMeansNil: (T) -> Bool) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        guard let members = try? nestedContainer(keyedBy: AnyCodingKey.self, forKey: key), !members.allKeys.isEmpty else {
            return nil
        }
        let value = try decode(T.self, forKey: key)
        return emptyMeansNil(value) ? nil : value
    }

    func metadata(_ key: Key) throws -> [String: String] {
        guard contains(key), try !decodeNil(forKey: key) else { return [:] }
        if let metadata = try? decode([String: String].self, forKey: key) { return metadata }
        guard case .object(let object) = try decode(JSONValue.self, forKey: key) else { return [:] }
        return object.mapValues { $0.stringValue ?? $0.serializedString() }
    }

    func list<T: Decodable>(_ type: T.Type, _ key: Key) throws -> [T] {
        guard contains(key), try !decodeNil(forKey: key) else { return [] }
        return try decode([T].self, forKey: key)
    }
}

/// A coding key for any member name.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
