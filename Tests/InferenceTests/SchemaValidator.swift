import Foundation
@testable import Inference

/// A small JSON Schema validator for the tool-call tests (the subset the tests'
/// schemas use). Independent of the engine's matcher: it walks parsed values.
enum SchemaValidator {
    static func validate(_ value: JSONText, _ schema: JSONText, path: String = "$") -> [String] {
        var errors: [String] = []
        if let options = schema["enum"]?.arrayValue, !options.contains(value) {
            errors.append("\(path): \(value.serialized()) not in enum")
        }
        if let constant = schema["const"], constant != value { errors.append("\(path): not the const") }
        var types: [String] = []
        if let t = schema["type"]?.stringValue { types = [t] }
        if let ts = schema["type"]?.arrayValue { types = ts.compactMap(\.stringValue) }
        if !types.isEmpty && !types.contains(where: { matches(value, $0) }) {
            errors.append("\(path): \(value.serialized()) is not of type \(types)")
            return errors
        }
        switch value {
        case let .object(pairs):
            let props = schema["properties"]
            for req in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !pairs.contains(where: { $0.0 == req }) {
                errors.append("\(path): missing required '\(req)'")
            }
            if Set(pairs.map(\.0)).count != pairs.count { errors.append("\(path): duplicate keys") }
            for (k, v) in pairs {
                if let sub = props?[k] {
                    errors += validate(v, sub, path: path + "." + k)
                } else if schema["additionalProperties"] == .bool(false) {
                    errors.append("\(path): unexpected key '\(k)'")
                }
            }
        case let .array(items):
            if let min = schema["minItems"]?.doubleValue, Double(items.count) < min { errors.append("\(path): fewer than \(min) items") }
            if let max = schema["maxItems"]?.doubleValue, Double(items.count) > max { errors.append("\(path): more than \(max) items") }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() { errors += validate(item, itemSchema, path: "\(path)[\(i)]") }
            }
        case let .string(s):
            let n = s.unicodeScalars.count
            if let min = schema["minLength"]?.doubleValue, Double(n) < min { errors.append("\(path): shorter than \(min)") }
            if let max = schema["maxLength"]?.doubleValue, Double(n) > max { errors.append("\(path): longer than \(max)") }
        case let .number(text):
            if let min = schema["minimum"]?.doubleValue, let v = Double(text), v < min { errors.append("\(path): below minimum") }
        default:
            break
        }
        if let branches = schema["anyOf"]?.arrayValue, !branches.contains(where: { validate(value, $0, path: path).isEmpty }) {
            errors.append("\(path): matches no anyOf branch")
        }
        return errors
    }

    static func matches(_ v: JSONText, _ type: String) -> Bool {
        switch (v, type) {
        case (.object, "object"), (.array, "array"), (.string, "string"), (.bool, "boolean"), (.null, "null"), (.number, "number"): true
        case let (.number(t), "integer"): !t.contains(".") && !t.contains("e") && !t.contains("E")
        default: false
        }
    }
}
