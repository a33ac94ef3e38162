import Foundation

/// Encodes `Encodable` values straight into a `JSONValue`, giving what Foundation's
/// `JSONEncoder` (default strategies) would write, read back by `JSONValue.parse`:
/// - a `Double` with no fraction that Swift prints without an exponent (|x| ≤ 2^53) becomes
///   `.int` (Foundation writes `3`, not `3.0`); other doubles stay `.double`. `-0.0` stays
///   `.double(-0.0)` so its sign survives (Foundation writes `-0`, which reads back as -0.0 too).
///   `Float` follows the same rule at its own precision (|x| ≤ 2^24, digits as Swift prints them).
/// - NaN and infinity throw `EncodingError.invalidValue`, as Foundation's `.throw` strategy does.
/// - `UInt`/`UInt64` above `Int64.max` become `.double` (JSONValue's integers are 64-bit signed).
/// - `Data` becomes Base64 text, `URL` its absolute string, `Decimal` a number; `Date` encodes
///   itself (seconds since 2001, Foundation's `.deferredToDate`).
/// - `JSONValue`s are taken as they are: `.double(1.0)` stays a double.
/// - A value that encodes nothing is `{}` when nested, an error at the top level.
public struct JSONValueEncoder: Sendable {
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = JSONValueBuildingEncoder(parent: nil, key: nil, userInfo: userInfo)
        if let special = try encoder.specialValue(value, key: nil) { return special }
        try value.encode(to: encoder)
        guard let result = encoder.finish() else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        return result
    }
}

/// The `Encoder` handed to `encode(to:)`: one per nested value encoded through the generic path.
/// It is its own single-value container, and holds what its keyed or unkeyed container writes.
final class JSONValueBuildingEncoder: Encoder, SingleValueEncodingContainer, JSONCodingPathLink {
    enum Shape { case empty, single, object, array }

    let parent: JSONValueBuildingEncoder?
    let key: (any CodingKey)?
    let userInfo: [CodingUserInfoKey: Any]

    var shape = Shape.empty
    var single = JSONValue.null
    /// An object's members in the order written; the dictionary is built at `finish`, once its
    /// size is known, so it never grows (growing re-hashes every key).
    var members: [(key: String, value: JSONValue)] = []
    /// Room to leave in the object: every key its CodingKeys declare, when they can be listed.
    /// Callers such as `wireJSON` add the declared keys left unset, and a full table would grow.
    var declaredKeyCount = 0
    var array: [JSONValue] = []
    /// Nested containers and super encoders handed out by this encoder's containers, by their
    /// position in `members` or `array`: callers may write to them after creating them, so their
    /// values are collected at `finish`.
    var deferredMembers: [(index: Int, encoder: JSONValueBuildingEncoder)] = []
    var deferredElements: [(index: Int, encoder: JSONValueBuildingEncoder)] = []

    init(parent: JSONValueBuildingEncoder?, key: (any CodingKey)?, userInfo: [CodingUserInfoKey: Any]) {
        self.parent = parent
        self.key = key
        self.userInfo = userInfo
    }

    var parentLink: (any JSONCodingPathLink)? { parent }
    var keyFromParent: (any CodingKey)? { key }
    var codingPath: [any CodingKey] { linkedCodingPath }

    /// What was encoded, or nil when nothing was.
    func finish() -> JSONValue? {
        switch shape {
        case .empty:
            return nil
        case .single:
            return single
        case .object:
            for (index, encoder) in deferredMembers { members[index].value = encoder.finish() ?? .object([:]) }
            deferredMembers = []
            var object = JSONObject(minimumCapacity: max(members.count, declaredKeyCount))
            for member in members { object[member.key] = member.value }  // a key written twice: the last wins
            return .object(object)
        case .array:
            for (index, encoder) in deferredElements { array[index] = encoder.finish() ?? .object([:]) }
            deferredElements = []
            return .array(array)
        }
    }

    /// A child for a nested container or super encoder at `key` of this encoder's object.
    func deferredMember(_ key: any CodingKey, shape: Shape) -> JSONValueBuildingEncoder {
        let child = JSONValueBuildingEncoder(parent: self, key: key, userInfo: userInfo)
        child.shape = shape
        deferredMembers.append((members.count, child))
        members.append((key.stringValue, .null))
        return child
    }

    /// A child for a nested container or super encoder at the next position of this encoder's array.
    func deferredElement(shape: Shape) -> JSONValueBuildingEncoder {
        let child = JSONValueBuildingEncoder(parent: self, key: JSONIndexCodingKey(index: array.count), userInfo: userInfo)
        child.shape = shape
        deferredElements.append((array.count, child))
        array.append(.null)
        return child
    }

    // MARK: containers

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if shape != .object {
            shape = .object
            members = []
            declaredKeyCount = (Key.self as? any CaseIterable.Type).map { Self.caseCount($0) } ?? 0
        }
        return KeyedEncodingContainer(JSONValueKeyedEncodingContainer<Key>(encoder: self))
    }

    static func caseCount<Keys: CaseIterable>(_ keys: Keys.Type) -> Int { keys.allCases.count }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if shape != .array {
            shape = .array
            array = []
        }
        return JSONValueUnkeyedEncodingContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    // MARK: single-value container

    func set(_ value: JSONValue) {
        shape = .single
        single = value
    }

    func encodeNil() { set(.null) }
    func encode(_ value: Bool) { set(.bool(value)) }
    func encode(_ value: String) { set(.string(value)) }
    func encode(_ value: Double) throws { set(try number(value, key: nil)) }
    func encode(_ value: Float) throws { set(try number(value, key: nil)) }
    func encode(_ value: Int) { set(.int(Int64(value))) }
    func encode(_ value: Int8) { set(.int(Int64(value))) }
    func encode(_ value: Int16) { set(.int(Int64(value))) }
    func encode(_ value: Int32) { set(.int(Int64(value))) }
    func encode(_ value: Int64) { set(.int(value)) }
    func encode(_ value: UInt) { set(number(value)) }
    func encode(_ value: UInt8) { set(.int(Int64(value))) }
    func encode(_ value: UInt16) { set(.int(Int64(value))) }
    func encode(_ value: UInt32) { set(.int(Int64(value))) }
    func encode(_ value: UInt64) { set(number(value)) }

    /// The value is written into this same encoder: its path does not grow.
    func encode<T: Encodable>(_ value: T) throws {
        if let special = try specialValue(value, key: nil) { return set(special) }
        try value.encode(to: self)
    }

    // MARK: building values
    // `key` names the member or element being written, relative to this encoder; nil means
    // this encoder's own value. Errors append it to the path.

    /// A nested value: the types Foundation writes its own way, or what a child encoder collects.
    func wrap<T: Encodable>(_ value: T, key: any CodingKey) throws -> JSONValue {
        if let special = try specialValue(value, key: key) { return special }
        let child = JSONValueBuildingEncoder(parent: self, key: key, userInfo: userInfo)
        try value.encode(to: child)
        return child.finish() ?? .object([:])
    }

    /// The types written without an encoder of their own: ones Foundation writes its own way,
    /// scalars (array elements and dictionary values arrive here), and the collections of
    /// scalars our objects hold.
    func specialValue<T: Encodable>(_ value: T, key: (any CodingKey)?) throws -> JSONValue? {
        if T.self == JSONValue.self { return (value as! JSONValue) }
        if T.self == String.self { return .string(value as! String) }
        if T.self == [String].self { return .array((value as! [String]).map(JSONValue.string)) }
        // mapValues keeps the hash table as it is: no key is hashed again.
        if T.self == [String: String].self { return .object((value as! [String: String]).mapValues(JSONValue.string)) }
        if T.self == [JSONValue].self { return .array(value as! [JSONValue]) }
        if T.self == [String: JSONValue].self { return .object(value as! [String: JSONValue]) }
        if T.self == Int.self { return .int(Int64(value as! Int)) }
        if T.self == Int64.self { return .int(value as! Int64) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        if T.self == Double.self { return try number(value as! Double, key: key) }
        if T.self == Data.self { return .string((value as! Data).base64EncodedString()) }
        if T.self == URL.self { return .string((value as! URL).absoluteString) }
        if T.self == Decimal.self { return decimalNumber(value as! Decimal) }
        return nil
    }

    func number<T: BinaryFloatingPoint & LosslessStringConvertible>(_ value: T, key: (any CodingKey)?) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: linkedCodingPath(appending: key), debugDescription: "Unable to encode \(T.self).\(value) directly in JSON."))
        }
        let wholeLimit = T(sign: .plus, exponent: T.Exponent(T.significandBitCount + 1), significand: 1)
        if value.rounded(.towardZero) == value, abs(value) <= wholeLimit, !(value == 0 && value.sign == .minus) {
            return .int(Int64(value))
        }
        if T.self == Double.self { return .double(Double(value)) }
        // A Float is written with its own shortest digits (0.1, not 0.10000000149011612).
        return .double(Double(value.description) ?? Double(value))
    }

    func number<T: UnsignedInteger & FixedWidthInteger>(_ value: T) -> JSONValue {
        if let exact = Int64(exactly: value) { return .int(exact) }
        return .double(Double(value))
    }

    /// Foundation writes a Decimal's digits as a JSON number: read back here the same way.
    func decimalNumber(_ value: Decimal) -> JSONValue {
        (try? JSONValue.parse(value.description)) ?? .double(NSDecimalNumber(decimal: value).doubleValue)
    }
}
