/// A JSON object's members, read by key. Scalars are read in place; anything else gets a child
/// decoder whose path ends in the key. A class: the standard library's container box calls into
/// it unspecialized, and a struct would be copied (two retains, two releases) on every call.
final class JSONValueKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONValueReadingDecoder
    let object: [String: JSONValue]

    init(decoder: JSONValueReadingDecoder, object: [String: JSONValue]) {
        self.decoder = decoder
        self.object = object
    }

    /// The last member looked up, by name: callers often ask `contains`, `decodeNil` and `decode`
    /// about the same key in turn, and comparing a name costs less than hashing it again.
    private var lastName: String?
    private var lastValue: JSONValue?

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func lookup(_ key: Key) -> JSONValue? {
        let name = key.stringValue
        if let lastName, lastName == name { return lastValue }
        let value = object[name]
        lastName = name
        lastValue = value
        return value
    }

    func contains(_ key: Key) -> Bool {
        guard case .some = lookup(key) else { return false }
        return true
    }

    func member(_ key: Key) throws -> JSONValue {
        guard let value = lookup(key) else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: decoder.codingPath, debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
        }
        return value
    }

    /// The member, or nil when it is missing or null (`decodeIfPresent`'s rule).
    func presentMember(_ key: Key) -> JSONValue? {
        guard let value = lookup(key), !value.isNull else { return nil }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try member(key).isNull }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.unwrapBool(member(key), key: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.unwrapString(member(key), key: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.unwrapFloatingPoint(member(key), as: Double.self, key: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder.unwrapFloatingPoint(member(key), as: Float.self, key: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.unwrapInteger(member(key), as: Int.self, key: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.unwrapInteger(member(key), as: Int8.self, key: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.unwrapInteger(member(key), as: Int16.self, key: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.unwrapInteger(member(key), as: Int32.self, key: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.unwrapInteger(member(key), as: Int64.self, key: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.unwrapInteger(member(key), as: UInt.self, key: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.unwrapInteger(member(key), as: UInt8.self, key: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.unwrapInteger(member(key), as: UInt16.self, key: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.unwrapInteger(member(key), as: UInt32.self, key: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.unwrapInteger(member(key), as: UInt64.self, key: key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder.unwrap(member(key), as: T.self, key: key) }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try presentMember(key).map { try decoder.unwrapBool($0, key: key) }
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try presentMember(key).map { try decoder.unwrapString($0, key: key) }
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try presentMember(key).map { try decoder.unwrapFloatingPoint($0, as: Double.self, key: key) }
    }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try presentMember(key).map { try decoder.unwrapFloatingPoint($0, as: Float.self, key: key) }
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try presentMember(key).map { try decoder.unwrapInteger($0, as: Int.self, key: key) }
    }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        try presentMember(key).map { try decoder.unwrapInteger($0, as: Int64.self, key: key) }
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try presentMember(key).map { try decoder.unwrap($0, as: T.self, key: key) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        guard let value = lookup(key) else {
            throw DecodingError.keyNotFound(
                key,
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "Cannot get \(KeyedDecodingContainer<NestedKey>.self) -- no value found for key \(key) (\"\(key.stringValue)\")"))
        }
        return try decoder.child(value, key: key).container(keyedBy: NestedKey.self)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        guard let value = lookup(key) else {
            throw DecodingError.keyNotFound(
                key,
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "Cannot get UnkeyedDecodingContainer -- no value found for key \(key) (\"\(key.stringValue)\")"))
        }
        return try decoder.child(value, key: key).unkeyedContainer()
    }

    /// A missing member reads as null, as in Foundation.
    func superDecoder() throws -> any Decoder {
        decoder.child(object["super"] ?? .null, key: JSONSuperCodingKey())
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(lookup(key) ?? .null, key: key)
    }
}

/// A JSON array's elements, read in order. A failed read leaves `currentIndex` where it was.
struct JSONValueUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let decoder: JSONValueReadingDecoder
    let array: [JSONValue]
    private(set) var currentIndex = 0

    init(decoder: JSONValueReadingDecoder, array: [JSONValue]) {
        self.decoder = decoder
        self.array = array
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }
    var currentKey: JSONIndexCodingKey { JSONIndexCodingKey(index: currentIndex) }

    func element(_ type: Any.Type, _ what: String = "Unkeyed container is at end.") throws -> JSONValue {
        guard currentIndex < array.count else {
            throw DecodingError.valueNotFound(type, .init(codingPath: decoder.linkedCodingPath(appending: currentKey), debugDescription: what))
        }
        return array[currentIndex]
    }

    /// Reads the next element with `read` and moves past it only when that succeeded.
    mutating func next<T>(
        _ type: T.Type, _ read: (JSONValueReadingDecoder, JSONValue, JSONIndexCodingKey) throws -> T
    ) throws -> T {
        let result = try read(decoder, try element(T.self), currentKey)
        currentIndex += 1
        return result
    }

    mutating func decodeNil() throws -> Bool {
        guard try element(Any?.self).isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type) { try $0.unwrapBool($1, key: $2) } }
    mutating func decode(_ type: String.Type) throws -> String { try next(type) { try $0.unwrapString($1, key: $2) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type) { try $0.unwrapFloatingPoint($1, as: type, key: $2) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type) { try $0.unwrapFloatingPoint($1, as: type, key: $2) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try next(type) { try $0.unwrapInteger($1, as: type, key: $2) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(type) { try $0.unwrapInteger($1, as: type, key: $2) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(type) { try $0.unwrapInteger($1, as: type, key: $2) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(type) { try $0.unwrapInteger($1, as: type, key: $2) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(type) { try $0.unwrapInteger($1, as: type, key: $2) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next(type) { try $0.unwrapInteger($1, as: type, key: $2) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(type) { try $0.unwrapInteger($1, as: type, key: $2) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(type) { try $0.unwrapInteger($1, as: type, key: $2) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(type) { try $0.unwrapInteger($1, as: type, key: $2) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(type) { try $0.unwrapInteger($1, as: type, key: $2) } }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type) { try $0.unwrap($1, as: type, key: $2) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next(KeyedDecodingContainer<NestedKey>.self) { decoder, value, key in
            try decoder.child(value, key: key).container(keyedBy: NestedKey.self)
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next((any UnkeyedDecodingContainer).self) { decoder, value, key in
            try decoder.child(value, key: key).unkeyedContainer()
        }
    }

    mutating func superDecoder() throws -> any Decoder {
        try next((any Decoder).self) { decoder, value, key in decoder.child(value, key: key) }
    }
}
