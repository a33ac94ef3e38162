import JSONCore

/// Reads a method's params object field by field, with errors that name the field
/// (`data.param`) and say what was expected. Fields the reader never asked for are kept
/// in `unread`, so the hosted backend can pass new service fields through untouched.
public struct ParamReader {
    public let object: JSONObject
    public let path: String
    /// The keys asked for. A handful a request, so a list: a set hashed each key and grew its table.
    private(set) var read: [String] = []

    /// `params` may be absent or `null` for methods whose fields are all optional. Params that
    /// are not an object are refused naming `path` (`""` for params itself, as protocol/README.md says).
    public init(_ params: JSONValue?, path: String = "") throws(APIError) {
        switch params {
        case nil, .null?: object = [:]
        case .object(let object)?: self.object = object
        case let other?: throw APIError.invalid(path, "expected an object of named fields, got \(other.typeName)")
        }
        self.path = path
    }

    init(object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    public func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public var unread: JSONObject { object.filter { !read.contains($0.key) } }

    mutating func value(_ key: String) -> JSONValue? {
        read.append(key)
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    // MARK: scalars

    public mutating func optionalString(_ key: String, maxLength: Int? = nil) throws(APIError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let string) = value else {
            throw APIError.invalid(name(key), "expected a string, got \(value.typeName)")
        }
        if let maxLength, string.count > maxLength {
            throw APIError.invalid(name(key), "must be at most \(maxLength) characters (got \(string.count))")
        }
        return string
    }

    public mutating func string(_ key: String, maxLength: Int? = nil) throws(APIError) -> String {
        guard let string = try optionalString(key, maxLength: maxLength) else {
            throw APIError.invalid(name(key), "is required")
        }
        return string
    }

    /// A required object id: present, a string, not empty.
    public mutating func id(_ key: String) throws(APIError) -> String {
        let id = try string(key)
        if id.isEmpty { throw APIError.invalid(name(key), "must not be empty") }
        return id
    }

    public mutating func optionalBool(_ key: String) throws(APIError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else {
            throw APIError.invalid(name(key), "expected a boolean, got \(value.typeName)")
        }
        return flag
    }

    public mutating func optionalDouble(_ key: String, in range: ClosedRange<Double>? = nil) throws(APIError) -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.doubleValue else {
            throw APIError.invalid(name(key), "expected a number, got \(value.typeName)")
        }
        if let range, !range.contains(number) {
            throw APIError.invalid(name(key), "must be between \(range.lowerBound) and \(range.upperBound) (got \(number))")
        }
        return number
    }

    public mutating func optionalInt(_ key: String, in range: ClosedRange<Int>? = nil) throws(APIError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let number = value.intValue else {
            throw APIError.invalid(name(key), "expected an integer, got \(value.typeName)")
        }
        if let range, !range.contains(Int(number)) {
            throw APIError.invalid(name(key), "must be between \(range.lowerBound) and \(range.upperBound) (got \(number))")
        }
        return Int(number)
    }

    public mutating func optionalRaw(_ key: String) -> JSONValue? { value(key) }

    // MARK: structures

    public mutating func optionalObject(_ key: String) throws(APIError) -> ParamReader? {
        guard let value = value(key) else { return nil }
        guard case .object(let object) = value else {
            throw APIError.invalid(name(key), "expected an object, got \(value.typeName)")
        }
        return ParamReader(object: object, path: name(key))
    }

    public mutating func optionalArray(_ key: String, maxCount: Int? = nil) throws(APIError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .array(let array) = value else {
            throw APIError.invalid(name(key), "expected an array, got \(value.typeName)")
        }
        if let maxCount, array.count > maxCount {
            throw APIError.invalid(name(key), "must have at most \(maxCount) items (got \(array.count))")
        }
        return array
    }

    public mutating func stringArray(_ key: String) throws(APIError) -> [String] {
        guard let array = try optionalArray(key) else { return [] }
        var strings: [String] = []
        for (index, element) in array.enumerated() {
            guard case .string(let string) = element else {
                throw APIError.invalid("\(name(key))[\(index)]", "expected a string, got \(element.typeName)")
            }
            strings.append(string)
        }
        return strings
    }

    /// Reads each element of an array field as an object.
    public mutating func objectArray(_ key: String, maxCount: Int? = nil) throws(APIError) -> [ParamReader]? {
        guard let array = try optionalArray(key, maxCount: maxCount) else { return nil }
        var readers: [ParamReader] = []
        for (index, element) in array.enumerated() {
            guard case .object(let object) = element else {
                throw APIError.invalid("\(name(key))[\(index)]", "expected an object, got \(element.typeName)")
            }
            readers.append(ParamReader(object: object, path: "\(name(key))[\(index)]"))
        }
        return readers
    }
}
