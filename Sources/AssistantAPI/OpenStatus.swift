/// A status the service names with a string: the known values as cases, anything a newer
/// service may add kept as it came. Coded as the bare string.
public protocol OpenStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    init(rawValue: String)
    var rawValue: String { get }
}

extension OpenStatus {
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
