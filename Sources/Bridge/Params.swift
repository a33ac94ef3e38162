import JSONCore
import JSONRPC

/// Reads by-name params and names the offending field in every error (-32602 with
/// `data.param`, e.g. "thread.messages[0].role").
public struct Params: Sendable {
    public let object: JSONObject
    /// Where this object sits inside params ("" at the top).
    public let path: String

    /// Absent or null params read as an empty object; an array is refused (params are by name).
    public init(_ params: JSONValue?) throws(JSONRPCError) {
        switch params {
        case nil, .null?: self.init(object: [:], path: "")
        case .object(let object)?: self.init(object: object, path: "")
        case let other?: throw .invalidParams("params must be an object of named fields, got \(other.typeName)", path: "")
        }
    }

    public init(object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    public func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw value; nil when absent or null.
    public func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    public func string(_ key: String) throws(JSONRPCError) -> String {
        guard let value = try optionalString(key) else { throw missing(key, "a string") }
        return value
    }

    public func optionalString(_ key: String) throws(JSONRPCError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.stringValue else { throw wrongType(key, "a string", value) }
        return string
    }

    public func optionalInt(_ key: String) throws(JSONRPCError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard let int = value.intValue else { throw wrongType(key, "an integer", value) }
        return int
    }

    public func optionalDouble(_ key: String) throws(JSONRPCError) -> Double? {
        guard let value = value(key) else { return nil }
        guard let double = value.doubleValue else { throw wrongType(key, "a number", value) }
        return double
    }

    public func optionalBool(_ key: String) throws(JSONRPCError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.boolValue else { throw wrongType(key, "a boolean", value) }
        return bool
    }

    public func optionalObject(_ key: String) throws(JSONRPCError) -> Params? {
        guard let value = value(key) else { return nil }
        guard let object = value.objectValue else { throw wrongType(key, "an object", value) }
        return Params(object: object, path: fieldPath(key))
    }

    public func optionalArray(_ key: String) throws(JSONRPCError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard let array = value.arrayValue else { throw wrongType(key, "an array", value) }
        return array
    }

    /// The elements of an array of objects, each with its own path ("tool_outputs[2]").
    public func optionalObjects(_ key: String) throws(JSONRPCError) -> [Params]? {
        guard let array = try optionalArray(key) else { return nil }
        var result: [Params] = []
        for (index, element) in array.enumerated() {
            let elementPath = "\(fieldPath(key))[\(index)]"
            guard let object = element.objectValue else {
                throw .invalidParams("\(elementPath) must be an object, got \(element.typeName)", path: elementPath)
            }
            result.append(Params(object: object, path: elementPath))
        }
        return result
    }

    /// Refuses fields the method does not know, naming the first one (sorted, so stable).
    public func rejectUnknownFields(allowed: Set<String>) throws(JSONRPCError) {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .invalidParams("unknown field \(fieldPath(unknown))", path: fieldPath(unknown))
        }
    }

    private func missing(_ key: String, _ expected: String) -> JSONRPCError {
        .invalidParams("\(fieldPath(key)) is required (\(expected))", path: fieldPath(key))
    }

    private func wrongType(_ key: String, _ expected: String, _ value: JSONValue) -> JSONRPCError {
        .invalidParams("\(fieldPath(key)) must be \(expected), got \(value.typeName)", path: fieldPath(key))
    }
}
