/// The rules `CurlTransport` applies to every request, as values a test can check.
enum TransportPolicy {
    static let idempotentMethods: Set<String> = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]

    /// The stale keep-alive rule: whether a request that got no byte of answer may be sent again.
    /// Always for an idempotent verb; a POST only when its connection was a reused keep-alive
    /// one (the server closed the idle connection as the request crossed it). A POST whose fresh
    /// connection closed unanswered may have reached the server: it fails, for the caller to judge.
    static func mayRepeat(_ request: HTTPRequest, after error: TransportError) -> Bool {
        error.closedBeforeResponse && (error.onReusedConnection || idempotentMethods.contains(request.method.uppercased()))
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    static func describe(_ duration: Duration) -> String {
        let seconds = seconds(duration)
        return seconds < 1 ? "\(Int(seconds * 1000)) ms" : "\(seconds.formatted()) s"
    }
}
