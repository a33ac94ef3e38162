extension JSONText {
    /// JSON as Python's `json.dumps(value, ensure_ascii=False)` writes it (", " and ": "
    /// separators), which is what chat templates' `tojson` produces; key order is kept.
    func pythonStyle() -> String {
        switch self {
        case .null, .bool, .number, .string: return serialized()
        case let .array(items): return "[" + items.map { $0.pythonStyle() }.joined(separator: ", ") + "]"
        case let .object(pairs):
            return "{" + pairs.map { JSONText.quote($0.0) + ": " + $0.1.pythonStyle() }.joined(separator: ", ") + "}"
        }
    }
}
