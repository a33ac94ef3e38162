import JSONCore

/// How the one-shot commands print JSON: keys sorted so output is stable; indented (two spaces)
/// for people, or compact on one line for pipes.
enum JSONPrinter {
    static func compact(_ value: JSONValue) -> String {
        value.serializedString(sortedKeys: true)
    }

    /// A `runs/event`'s params on one line in the protocol's order: request, seq, event, data.
    static func eventLine(_ params: JSONValue) -> String {
        guard case .object(let members) = params else { return compact(params) }
        let order = ["request", "seq", "event", "data"]
        var fields = order.compactMap { key in members[key].map { JSONValue.string(key).serializedString() + ":" + compact($0) } }
        for key in members.keys.sorted() where !order.contains(key) {
            fields.append(JSONValue.string(key).serializedString() + ":" + compact(members[key]!))
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func indented(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: "", to: &out)
        return out
    }

    private static func write(_ value: JSONValue, indent: String, to out: inout String) {
        let inner = indent + "  "
        switch value {
        case .array(let elements) where !elements.isEmpty:
            out += "[\n"
            for (index, element) in elements.enumerated() {
                out += inner
                write(element, indent: inner, to: &out)
                out += index == elements.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let members) where !members.isEmpty:
            out += "{\n"
            let keys = members.keys.sorted()
            for (index, key) in keys.enumerated() {
                out += inner + JSONValue.string(key).serializedString() + ": "
                write(members[key]!, indent: inner, to: &out)
                out += index == keys.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        default:
            out += value.serializedString()
        }
    }
}
