import JSONCore

/// An object as the local engine stores it: its encoding, with unset fields left out. It is
/// answered as its wire JSON (every declared key, unset ones `null`) by adding the missing keys
/// to the stored bytes, without decoding them into the object and encoding it again.
public struct StoredWireObject<Object: WireObject>: Sendable {
    public let json: SerializedJSON

    public init(json: SerializedJSON) { self.json = json }

    /// Stores `object` as the engine does (for backends that hold objects, not their JSON).
    public init(_ object: Object) throws {
        json = SerializedJSON(try JSONValue(encoding: object))
    }

    public func decoded() throws -> Object {
        try JSONValueDecoder().decode(Object.self, from: try json.parsed())
    }

    /// The wire JSON with `leading` members first (keys it does not hold already), then a
    /// `null` for each declared key it lacks, then its own members as stored; nil when the
    /// bytes hold no object, or already hold one of `leading`.
    public func wireSerialized(leading: [(key: String, value: JSONValue)]) -> SerializedJSON? {
        guard let names = json.memberNames() else { return nil }
        let present = Set(names)
        if leading.contains(where: { present.contains($0.key) }) { return nil }
        var added: [(key: String, value: JSONValue)] = leading
        let leadingKeys = Set(leading.map(\.key))
        for key in Object.CodingKeys.allCases where !present.contains(key.stringValue) && !leadingKeys.contains(key.stringValue) {
            added.append((key.stringValue, .null))
        }
        var out: [UInt8] = []
        out.reserveCapacity(json.bytes.count + 32 * added.count + 8)
        out.append(UInt8(ascii: "{"))
        for (index, member) in added.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(member.key, to: &out)
            out.append(UInt8(ascii: ":"))
            member.value.write(to: &out)
        }
        // The stored object's members follow, after its own opening brace (and any space).
        guard let open = json.bytes.firstIndex(of: UInt8(ascii: "{")) else { return nil }
        if names.isEmpty {
            out.append(UInt8(ascii: "}"))
        } else {
            if !added.isEmpty { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: json.bytes[(open + 1)...])
        }
        return SerializedJSON(bytes: out)
    }
}
