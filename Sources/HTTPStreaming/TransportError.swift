/// What went wrong below HTTP, in words a user can act on.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case dns, refused, tls, timeout, connectionLost, other }
    public var kind: Kind
    public var message: String
    /// The connection ended after the request was sent and before any of the response head
    /// arrived (not a timeout, not a cancellation).
    public var closedBeforeResponse: Bool
    /// ...and it was a reused keep-alive connection: the server closed it while idle as the
    /// request crossed it, so the request never reached it.
    public var onReusedConnection: Bool
    /// The HTTP client itself is missing (libcurl could not be loaded): no retry can help.
    public var clientUnavailable: Bool
    /// The request surely never reached the server (no connection was made): safe to retry any verb.
    public var neverReachedServer: Bool { kind == .dns || kind == .refused }
    public var description: String { message }

    public init(kind: Kind, message: String, closedBeforeResponse: Bool = false, onReusedConnection: Bool = false, clientUnavailable: Bool = false) {
        self.kind = kind
        self.message = message
        self.closedBeforeResponse = closedBeforeResponse
        self.onReusedConnection = onReusedConnection
        self.clientUnavailable = clientUnavailable
    }
}
