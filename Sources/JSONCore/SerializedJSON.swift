/// One JSON value already written out as compact UTF-8 JSON (a stored row, a response body),
/// so that it can be spliced into a larger document without being parsed and written again.
/// The bytes must be one valid JSON value; whoever makes one vouches for that.
public struct SerializedJSON: Sendable, Equatable {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init(_ value: JSONValue) { bytes = value.serialized() }

    /// The value, parsed (for the uncommon paths that need a tree: batches, traces).
    public func parsed() throws -> JSONValue { try JSONValue.parse(bytes) }
}

/// As `Codable`, the value it holds (parsed and re-encoded: the slow, exact path).
extension SerializedJSON: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(try JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try parsed().encode(to: encoder)
    }
}
