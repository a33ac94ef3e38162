import JSONCore

/// The validation rules shared by both backends (the service's documented limits).
public enum Validation {
    public static let maxMetadataPairs = 16
    public static let maxMetadataKeyLength = 64
    public static let maxMetadataValueLength = 512
    public static let maxNameLength = 256
    public static let maxDescriptionLength = 512
    public static let maxInstructionsLength = 256_000
    public static let maxToolsPerAssistant = 128

    /// `metadata`: at most 16 pairs, keys ≤ 64 characters, values strings ≤ 512 characters.
    public static func metadata(_ reader: inout ParamReader, _ key: String = "metadata") throws(APIError) -> [String: String]? {
        guard let value = reader.optionalRaw(key) else { return nil }
        let path = reader.name(key)
        guard case .object(let object) = value else {
            throw APIError.invalid(path, "expected an object of string values, got \(value.typeName)")
        }
        if object.count > maxMetadataPairs {
            throw APIError.invalid(path, "may have at most \(maxMetadataPairs) pairs (got \(object.count))")
        }
        var metadata: [String: String] = [:]
        for (name, member) in object {
            if name.count > maxMetadataKeyLength {
                throw APIError.invalid("\(path).\(name)", "metadata keys must be at most \(maxMetadataKeyLength) characters (got \(name.count))")
            }
            guard case .string(let string) = member else {
                throw APIError.invalid("\(path).\(name)", "metadata values must be strings, got \(member.typeName)")
            }
            if string.count > maxMetadataValueLength {
                throw APIError.invalid("\(path).\(name)", "metadata values must be at most \(maxMetadataValueLength) characters (got \(string.count))")
            }
            metadata[name] = string
        }
        return metadata
    }

    /// A function name: `^[a-zA-Z0-9_-]{1,64}$`.
    public static func isValidFunctionName(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count) else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D
        }
    }

    /// `tools`: each an object with a `type`; `function` tools need a valid name and a JSON
    /// Schema object for `parameters` (absent means "no parameters").
    public static func tools(_ reader: inout ParamReader, _ key: String = "tools", maxCount: Int = maxToolsPerAssistant) throws(APIError) -> [Tool]? {
        guard let items = try reader.objectArray(key, maxCount: maxCount) else { return nil }
        var tools: [Tool] = []
        for var item in items {
            let type = try item.string("type")
            if type.isEmpty { throw APIError.invalid(item.name("type"), "must not be empty") }
            if type == "function" {
                guard var function = try item.optionalObject("function") else {
                    throw APIError.invalid(item.name("function"), "is required for a function tool")
                }
                let name = try function.string("name")
                if !isValidFunctionName(name) {
                    throw APIError.invalid(function.name("name"), "must match ^[a-zA-Z0-9_-]{1,64}$ (got \"\(name)\")")
                }
                _ = try function.optionalString("description")
                if let parameters = function.optionalRaw("parameters") {
                    guard case .object(let schema) = parameters else {
                        throw APIError.invalid(function.name("parameters"), "must be a JSON Schema object, got \(parameters.typeName)")
                    }
                    if let schemaType = schema["type"], schemaType != "object" {
                        throw APIError.invalid(function.name("parameters.type"), "the parameters schema must describe an object (type \"object\")")
                    }
                    if let properties = schema["properties"], properties.objectValue == nil {
                        throw APIError.invalid(function.name("parameters.properties"), "must be an object")
                    }
                }
            }
            tools.append(Tool(raw: item.object))
        }
        return tools
    }

    /// Message content: a non-empty string, or a non-empty array of content parts.
    public static func content(_ reader: inout ParamReader, _ key: String = "content") throws(APIError) -> [ContentPart] {
        let path = reader.name(key)
        guard let value = reader.optionalRaw(key) else { throw APIError.invalid(path, "is required") }
        switch value {
        case .string(let text):
            if text.isEmpty { throw APIError.invalid(path, "must not be empty") }
            return [.text(text)]
        case .array(let parts):
            if parts.isEmpty { throw APIError.invalid(path, "must not be empty") }
            var result: [ContentPart] = []
            for (index, part) in parts.enumerated() {
                let partPath = "\(path)[\(index)]"
                guard case .object(let object) = part, let type = object["type"]?.stringValue else {
                    throw APIError.invalid(partPath, "expected a content part {type, …}")
                }
                switch type {
                case "text":
                    let text = object["text"]?["value"]?.stringValue ?? object["text"]?.stringValue
                    guard let text, !text.isEmpty else {
                        throw APIError.invalid("\(partPath).text", "expected a non-empty text value")
                    }
                    result.append(.text(text))
                case "image_file":
                    guard let fileID = object["image_file"]?["file_id"]?.stringValue, !fileID.isEmpty else {
                        throw APIError.invalid("\(partPath).image_file.file_id", "is required")
                    }
                    result.append(ContentPart(type: "image_file", imageFile: ImageFile(fileID: fileID)))
                default:
                    throw APIError.invalid("\(partPath).type", "must be text or image_file (got \"\(type)\")")
                }
            }
            return result
        default:
            throw APIError.invalid(path, "expected a string or an array of content parts, got \(value.typeName)")
        }
    }

    public static func role(_ reader: inout ParamReader) throws(APIError) -> String {
        let role = try reader.optionalString("role") ?? "user"
        guard role == "user" || role == "assistant" else {
            throw APIError.invalid(reader.name("role"), "must be user or assistant (got \"\(role)\")")
        }
        return role
    }

    public static func truncationStrategy(_ reader: inout ParamReader) throws(APIError) -> TruncationStrategy? {
        guard var object = try reader.optionalObject("truncation_strategy") else { return nil }
        let type = try object.string("type")
        switch type {
        case "auto": return TruncationStrategy(type: "auto")
        case "last_messages":
            guard let count = try object.optionalInt("last_messages", in: 1...Int(Int32.max)) else {
                throw APIError.invalid(object.name("last_messages"), "is required when type is last_messages")
            }
            return TruncationStrategy(type: "last_messages", lastMessages: count)
        default:
            throw APIError.invalid(object.name("type"), "must be auto or last_messages (got \"\(type)\")")
        }
    }

    public static func toolChoice(_ reader: inout ParamReader) throws(APIError) -> ToolChoice? {
        guard let value = reader.optionalRaw("tool_choice") else { return nil }
        let path = reader.name("tool_choice")
        switch value {
        case .string("none"): return ToolChoice.none
        case .string("auto"): return .auto
        case .string("required"): return .required
        case .object(let object):
            guard object["type"]?.stringValue == "function", let name = object["function"]?["name"]?.stringValue,
                isValidFunctionName(name)
            else {
                throw APIError.invalid(path, "expected {\"type\": \"function\", \"function\": {\"name\": …}}")
            }
            return .function(name)
        default:
            throw APIError.invalid(path, "must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\"}}")
        }
    }
}
