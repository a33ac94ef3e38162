/// Writes an object's members into its encoder's `object`. Keys are used as given.
struct JSONValueKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONValueBuildingEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    func put(_ value: JSONValue, _ key: Key) { encoder.members.append((key.stringValue, value)) }

    mutating func encodeNil(forKey key: Key) { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(try encoder.number(value, key: key), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(try encoder.number(value, key: key), key) }
    mutating func encode(_ value: Int, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) { put(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) { put(encoder.number(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) { put(encoder.number(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { put(try encoder.wrap(value, key: key), key) }

    // Absent values leave the key out, as Foundation does; spelled out to skip a layer of dispatch.
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) { if let value { put(.string(value), key) } }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) { if let value { put(.bool(value), key) } }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) { if let value { put(.int(Int64(value)), key) } }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) { if let value { put(.int(value), key) } }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { put(try encoder.number(value, key: key), key) }
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { put(try encoder.wrap(value, key: key), key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(JSONValueKeyedEncodingContainer<NestedKey>(encoder: encoder.deferredMember(key, shape: .object)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONValueUnkeyedEncodingContainer(encoder: encoder.deferredMember(key, shape: .array))
    }

    mutating func superEncoder() -> any Encoder { encoder.deferredMember(JSONSuperCodingKey(), shape: .empty) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder.deferredMember(key, shape: .empty) }
}

/// Appends an array's elements to its encoder's `array`.
struct JSONValueUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: JSONValueBuildingEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { encoder.array.count }
    var nextKey: JSONIndexCodingKey { JSONIndexCodingKey(index: encoder.array.count) }

    func append(_ value: JSONValue) { encoder.array.append(value) }

    mutating func encodeNil() { append(.null) }
    mutating func encode(_ value: Bool) { append(.bool(value)) }
    mutating func encode(_ value: String) { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try encoder.number(value, key: nextKey)) }
    mutating func encode(_ value: Float) throws { append(try encoder.number(value, key: nextKey)) }
    mutating func encode(_ value: Int) { append(.int(Int64(value))) }
    mutating func encode(_ value: Int8) { append(.int(Int64(value))) }
    mutating func encode(_ value: Int16) { append(.int(Int64(value))) }
    mutating func encode(_ value: Int32) { append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) { append(.int(value)) }
    mutating func encode(_ value: UInt) { append(encoder.number(value)) }
    mutating func encode(_ value: UInt8) { append(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) { append(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) { append(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) { append(encoder.number(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { append(try encoder.wrap(value, key: nextKey)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(JSONValueKeyedEncodingContainer<NestedKey>(encoder: encoder.deferredElement(shape: .object)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONValueUnkeyedEncodingContainer(encoder: encoder.deferredElement(shape: .array))
    }

    mutating func superEncoder() -> any Encoder { encoder.deferredElement(shape: .empty) }
}
