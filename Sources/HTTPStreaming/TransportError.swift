/// What went wrong below HTTP, in words a user can act on.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case dns, refused, tls, timeout, connectionLost, other }
    public var kind: Kind
    public var message: String
    /// The request surely never reached the server (no connection was made): safe to retry any verb.
    public var neverReachedServer: Bool { kind == .dns || kind == .refused }
    public var description: String { message }

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }
}
