extension SerializedJSON {
    /// The member names of the object these bytes hold, in order, read without building the
    /// members' values (a stored object's may be megabytes long); nil when they hold no object.
    public func memberNames() -> [String]? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = MemberScanner(bytes: buffer)
            return scanner.memberNames()
        }
    }
}

/// Walks one JSON object's top level, skipping each value by its brackets and strings.
private struct MemberScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0

    mutating func memberNames() -> [String]? {
        skipSpace()
        guard take(UInt8(ascii: "{")) else { return nil }
        var names: [String] = []
        skipSpace()
        if take(UInt8(ascii: "}")) { return names }
        while true {
            skipSpace()
            let start = offset
            guard skipString() else { return nil }
            // A name with escapes is decoded by the parser; plain ones are copied.
            let raw = UnsafeBufferPointer(rebasing: bytes[start + 1..<offset - 1])
            if raw.contains(UInt8(ascii: "\\")) {
                guard case .string(let name)? = try? JSONValue.parse(UnsafeBufferPointer(rebasing: bytes[start..<offset])) else {
                    return nil
                }
                names.append(name)
            } else {
                names.append(String(decoding: raw, as: UTF8.self))
            }
            skipSpace()
            guard take(UInt8(ascii: ":")), skipValue() else { return nil }
            skipSpace()
            if take(UInt8(ascii: "}")) { return names }
            guard take(UInt8(ascii: ",")) else { return nil }
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard offset < bytes.count, bytes[offset] == byte else { return false }
        offset += 1
        return true
    }

    private mutating func skipSpace() {
        while offset < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[offset]) { offset += 1 }
    }

    /// Past a string, quotes included.
    private mutating func skipString() -> Bool {
        guard take(UInt8(ascii: "\"")) else { return false }
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\\"): offset += 2
            case UInt8(ascii: "\""):
                offset += 1
                return true
            default: offset += 1
            }
        }
        return false
    }

    /// Past one value: strings whole, objects and arrays to their matching bracket.
    private mutating func skipValue() -> Bool {
        skipSpace()
        var depth = 0
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\""):
                guard skipString() else { return false }
                if depth == 0 { return true }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return true }  // the end of an empty-valued scalar run: the caller's brace
                depth -= 1
                if depth == 0 {
                    offset += 1
                    return true
                }
            case UInt8(ascii: ","):
                if depth == 0 { return true }
            default:
                break
            }
            offset += 1
        }
        return depth == 0
    }
}
