import JSONCore

/// Writes a message (or a batch of them) with its envelope keys in a fixed, readable order:
/// jsonrpc, id, method, params, result, error. Nested values keep the serializer's order.
enum MessageSerialization {
    static let envelopeKeys = ["jsonrpc", "id", "method", "params", "result", "error"]

    static func serialize(_ message: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.serializedByteCount)
        write(message, to: &out)
        return out
    }

    static func write(_ message: JSONValue, to out: inout [UInt8]) {
        switch message {
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            var first = true
            func member(_ key: String, _ value: JSONValue) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSONValue.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            for key in envelopeKeys {
                if let value = object[key] { member(key, value) }
            }
            for (key, value) in object where !envelopeKeys.contains(key) {
                member(key, value)
            }
            out.append(UInt8(ascii: "}"))
        default:
            message.write(to: &out)
        }
    }

    /// Results at least this long are written from their own bytes rather than copied.
    static let uncopiedResultBytes = 64 << 10

    /// A success response around a result already serialized, in the envelope's order. A long
    /// result is not copied: the frame is the envelope's head, its bytes, the closing brace;
    /// a short one is one buffer, written with one call.
    static func response(id: RequestID, result: SerializedJSON) -> [[UInt8]] {
        var head: [UInt8] = []
        let long = result.bytes.count >= uncopiedResultBytes
        head.reserveCapacity(40 + (long ? 0 : result.bytes.count))
        head.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        id.json.write(to: &head)
        head.append(contentsOf: #","result":"#.utf8)
        if long { return [head, result.bytes, [UInt8(ascii: "}")]] }
        head.append(contentsOf: result.bytes)
        head.append(UInt8(ascii: "}"))
        return [head]
    }
}
