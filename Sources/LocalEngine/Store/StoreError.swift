/// A failure of the storage layer itself (SQLite refused, the file is unusable, the schema is
/// newer than this build). Domain failures (not found, bad cursor) are `APIError`s instead.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQLite's extended result code, or nil for failures outside SQLite.
    public var code: Int32?
    public var message: String

    public init(code: Int32? = nil, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        if let code { return "storage error (sqlite \(code)): \(message)" }
        return "storage error: \(message)"
    }
}
