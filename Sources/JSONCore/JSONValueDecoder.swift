import Foundation

/// Decodes `Decodable` types straight from a `JSONValue`, following Foundation's `JSONDecoder`
/// with its default strategies:
/// - numbers: an integer decodes as any floating-point type; a number with no fraction decodes
///   as any integer type it fits; a fraction, or a number out of the type's range, is
///   `dataCorrupted`. A finite number too large for `Float` is `dataCorrupted` too.
/// - `decodeIfPresent` and `decodeNil` treat `null` and a missing key alike, except that
///   `decodeNil(forKey:)` on a missing key throws `keyNotFound`.
/// - `Data` is Base64 text, `URL` its string, `Decimal` a number; `Date` decodes itself (a
///   number of seconds since 2001, Foundation's `.deferredToDate`).
/// Errors carry the `codingPath` of the value at fault and say what was found instead.
public struct JSONValueDecoder: Sendable {
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    public func decode<T: Decodable>(_ type: T.Type = T.self, from value: JSONValue) throws -> T {
        let decoder = JSONValueReadingDecoder(value, parent: nil, key: nil, userInfo: userInfo)
        return try decoder.unwrap(value, as: T.self, key: nil)
    }
}

/// The `Decoder` handed to `init(from:)`: one per nested value decoded through the generic path
/// (strings, numbers and booleans are read in place). It is its own single-value container.
final class JSONValueReadingDecoder: Decoder, SingleValueDecodingContainer, JSONCodingPathLink {
    let value: JSONValue
    let parent: JSONValueReadingDecoder?
    let key: (any CodingKey)?
    let userInfo: [CodingUserInfoKey: Any]

    init(_ value: JSONValue, parent: JSONValueReadingDecoder?, key: (any CodingKey)?, userInfo: [CodingUserInfoKey: Any]) {
        self.value = value
        self.parent = parent
        self.key = key
        self.userInfo = userInfo
    }

    var parentLink: (any JSONCodingPathLink)? { parent }
    var keyFromParent: (any CodingKey)? { key }
    var codingPath: [any CodingKey] { linkedCodingPath }

    func child(_ value: JSONValue, key: any CodingKey) -> JSONValueReadingDecoder {
        JSONValueReadingDecoder(value, parent: self, key: key, userInfo: userInfo)
    }

    // MARK: containers

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .object(let object):
            return KeyedDecodingContainer(JSONValueKeyedDecodingContainer<Key>(decoder: self, object: object))
        case .null:
            throw DecodingError.valueNotFound(
                [String: Any].self,
                .init(codingPath: codingPath, debugDescription: "Cannot get keyed decoding container -- found null value instead"))
        default:
            throw mismatch([String: Any].self, value, key: nil)
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let array):
            return JSONValueUnkeyedDecodingContainer(decoder: self, array: array)
        case .null:
            throw DecodingError.valueNotFound(
                [Any].self,
                .init(codingPath: codingPath, debugDescription: "Cannot get unkeyed decoding container -- found null value instead"))
        default:
            throw mismatch([Any].self, value, key: nil)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    // MARK: single-value container

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try unwrapBool(value, key: nil) }
    func decode(_ type: String.Type) throws -> String { try unwrapString(value, key: nil) }
    func decode(_ type: Double.Type) throws -> Double { try unwrapFloatingPoint(value, as: Double.self, key: nil) }
    func decode(_ type: Float.Type) throws -> Float { try unwrapFloatingPoint(value, as: Float.self, key: nil) }
    func decode(_ type: Int.Type) throws -> Int { try unwrapInteger(value, as: Int.self, key: nil) }
    func decode(_ type: Int8.Type) throws -> Int8 { try unwrapInteger(value, as: Int8.self, key: nil) }
    func decode(_ type: Int16.Type) throws -> Int16 { try unwrapInteger(value, as: Int16.self, key: nil) }
    func decode(_ type: Int32.Type) throws -> Int32 { try unwrapInteger(value, as: Int32.self, key: nil) }
    func decode(_ type: Int64.Type) throws -> Int64 { try unwrapInteger(value, as: Int64.self, key: nil) }
    func decode(_ type: UInt.Type) throws -> UInt { try unwrapInteger(value, as: UInt.self, key: nil) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try unwrapInteger(value, as: UInt8.self, key: nil) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try unwrapInteger(value, as: UInt16.self, key: nil) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try unwrapInteger(value, as: UInt32.self, key: nil) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try unwrapInteger(value, as: UInt64.self, key: nil) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unwrap(value, as: T.self, key: nil) }

    // MARK: reading values
    // `key` names the member or element being read, relative to this decoder; nil means this
    // decoder's own value. Errors append it to the path.

    func unwrap<T: Decodable>(_ value: JSONValue, as type: T.Type, key: (any CodingKey)?) throws -> T {
        if let direct = try directValue(value, as: T.self, key: key) { return direct }
        guard let key else { return try T(from: self) }
        return try T(from: child(value, key: key))
    }

    /// The types read without a decoder of their own: ones Foundation reads its own way, scalars
    /// (array elements and dictionary values arrive here), and the collections of scalars our
    /// objects hold. A collection that is not what it should be returns nil, and the general path
    /// then reports the error with its full path.
    func directValue<T>(_ value: JSONValue, as type: T.Type, key: (any CodingKey)?) throws -> T? {
        if T.self == JSONValue.self { return (value as! T) }
        if T.self == String.self { return (try unwrapString(value, key: key) as! T) }
        if T.self == [String].self { return scalars(value, { $0.stringValue }).map { $0 as! T } }
        if T.self == [String: String].self { return scalarMembers(value, { $0.stringValue }).map { $0 as! T } }
        if T.self == [JSONValue].self { return value.arrayValue.map { $0 as! T } }
        if T.self == [String: JSONValue].self { return value.objectValue.map { $0 as! T } }
        if T.self == Int.self { return (try unwrapInteger(value, as: Int.self, key: key) as! T) }
        if T.self == Int64.self { return (try unwrapInteger(value, as: Int64.self, key: key) as! T) }
        if T.self == Double.self { return (try unwrapFloatingPoint(value, as: Double.self, key: key) as! T) }
        if T.self == Bool.self { return (try unwrapBool(value, key: key) as! T) }
        if T.self == Data.self { return (try unwrapData(value, key: key) as! T) }
        if T.self == URL.self { return (try unwrapURL(value, key: key) as! T) }
        if T.self == Decimal.self { return (try unwrapDecimal(value, key: key) as! T) }
        return nil
    }

    func scalars<Scalar>(_ value: JSONValue, _ read: (JSONValue) -> Scalar?) -> [Scalar]? {
        guard case .array(let elements) = value else { return nil }
        var result: [Scalar] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let scalar = read(element) else { return nil }
            result.append(scalar)
        }
        return result
    }

    func scalarMembers<Scalar>(_ value: JSONValue, _ read: (JSONValue) -> Scalar?) -> [String: Scalar]? {
        guard case .object(let members) = value else { return nil }
        for member in members.values where read(member) == nil { return nil }
        // mapValues keeps the hash table as it is: no key is hashed again.
        return members.mapValues { read($0)! }
    }

    func unwrapString(_ value: JSONValue, key: (any CodingKey)?) throws -> String {
        guard case .string(let string) = value else { throw mismatch(String.self, value, key: key) }
        return string
    }

    func unwrapBool(_ value: JSONValue, key: (any CodingKey)?) throws -> Bool {
        guard case .bool(let bool) = value else { throw mismatch(Bool.self, value, key: key) }
        return bool
    }

    func unwrapInteger<T: FixedWidthInteger>(_ value: JSONValue, as type: T.Type, key: (any CodingKey)?) throws -> T {
        switch value {
        case .int(let number):
            if let exact = T(exactly: number) { return exact }
        case .double(let number):
            if let exact = T(exactly: number) { return exact }
        default:
            throw mismatch(T.self, value, key: key)
        }
        throw numberDoesNotFit(value, T.self, key: key)
    }

    func unwrapFloatingPoint<T: BinaryFloatingPoint>(_ value: JSONValue, as type: T.Type, key: (any CodingKey)?) throws -> T {
        switch value {
        case .int(let number):
            return T(number)
        case .double(let number):
            let converted = T(number)
            if converted.isFinite || !number.isFinite { return converted }
            throw numberDoesNotFit(value, T.self, key: key)
        default:
            throw mismatch(T.self, value, key: key)
        }
    }

    func unwrapData(_ value: JSONValue, key: (any CodingKey)?) throws -> Data {
        guard let data = Data(base64Encoded: try unwrapString(value, key: key)) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: linkedCodingPath(appending: key), debugDescription: "Encountered Data is not valid Base64."))
        }
        return data
    }

    func unwrapURL(_ value: JSONValue, key: (any CodingKey)?) throws -> URL {
        guard let url = URL(string: try unwrapString(value, key: key)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: linkedCodingPath(appending: key), debugDescription: "Invalid URL string."))
        }
        return url
    }

    /// The parsed number's digits are gone by now: a double goes through its shortest spelling.
    func unwrapDecimal(_ value: JSONValue, key: (any CodingKey)?) throws -> Decimal {
        switch value {
        case .int(let number):
            return Decimal(number)
        case .double(let number):
            guard let decimal = Decimal(string: number.description) else { throw numberDoesNotFit(value, Decimal.self, key: key) }
            return decimal
        default:
            throw mismatch(Decimal.self, value, key: key)
        }
    }

    // MARK: errors

    /// `valueNotFound` for null, `typeMismatch` for anything else: Foundation's split.
    func mismatch(_ expected: Any.Type, _ found: JSONValue, key: (any CodingKey)?) -> DecodingError {
        let path = linkedCodingPath(appending: key)
        if found.isNull {
            return DecodingError.valueNotFound(
                expected, .init(codingPath: path, debugDescription: "Expected \(expected) value but found null instead."))
        }
        return DecodingError.typeMismatch(
            expected, .init(codingPath: path, debugDescription: "Expected to decode \(expected) but found \(found.typeName) instead."))
    }

    func numberDoesNotFit(_ number: JSONValue, _ type: Any.Type, key: (any CodingKey)?) -> DecodingError {
        DecodingError.dataCorrupted(
            .init(codingPath: linkedCodingPath(appending: key), debugDescription: "Parsed JSON number <\(number)> does not fit in \(type)."))
    }
}
