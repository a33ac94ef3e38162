import JSONCore

/// An event's data serialized once: the bytes its event log row stores, and where a listener's
/// `request_id` goes in them, so that each listener's text is spliced from these bytes instead
/// of its copy of the object being serialized again.
struct SerializedEventData: Sendable {
    /// The data exactly as `JSONValue.serialized()` writes it: the logged form (no request id).
    let bytes: [UInt8]
    /// Where the value of the object's own `request_id` member is in `bytes`, if it has one.
    private let requestIDValue: Range<Int>?
    private let isObject: Bool

    static let requestIDKey = "request_id"

    init(_ data: JSONValue) {
        guard case .object(let object) = data else {
            bytes = data.serialized()
            requestIDValue = nil
            isObject = false
            return
        }
        // The members in storage order, written as `JSONValue.write` writes an object.
        var out: [UInt8] = []
        out.reserveCapacity(data.serializedByteCount)
        out.append(UInt8(ascii: "{"))
        var requestIDValue: Range<Int>?
        for (position, (key, value)) in object.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            let start = out.count
            value.write(to: &out)
            if key == Self.requestIDKey { requestIDValue = start..<out.count }
        }
        out.append(UInt8(ascii: "}"))
        bytes = out
        self.requestIDValue = requestIDValue
        isObject = true
    }

    /// The data as a listener sends it: an object with `request_id` set to `requestID` (the
    /// JSON text of a string), anything else as it is.
    func stamped(requestID: [UInt8]) -> [UInt8] {
        guard isObject else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + requestID.count + 16)
        if let range = requestIDValue {
            out.append(contentsOf: bytes[..<range.lowerBound])
            out.append(contentsOf: requestID)
            out.append(contentsOf: bytes[range.upperBound...])
            return out
        }
        out.append(contentsOf: bytes.dropLast())
        if bytes.count > 2 { out.append(UInt8(ascii: ",")) }
        JSONValue.writeString(Self.requestIDKey, to: &out)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: requestID)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
