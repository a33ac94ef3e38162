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
    var object: [String: JSONValue] = [:]
    var array: [JSONValue] = []
    /// Nested containers and super encoders handed out by this encoder's containers: callers may
    /// write to them after creating them, so their values are collected at `finish`.
    var deferredMembers: [(key: String, encoder: JSONValueBuildingEncoder)] = []
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
            for (key, encoder) in deferredMembers { object[key] = encoder.finish() ?? .object([:]) }
            deferredMembers = []
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
        deferredMembers.append((key.stringValue, child))
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
            object = [:]
        }
        return KeyedEncodingContainer(JSONValueKeyedEncodingContainer<Key>(encoder: self))
    }

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

    func specialValue<T: Encodable>(_ value: T, key: (any CodingKey)?) throws -> JSONValue? {
        if T.self == JSONValue.self { return (value as! JSONValue) }
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
