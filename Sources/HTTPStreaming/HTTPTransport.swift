import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP over one `URLSession` per transport (FoundationNetworking on Linux), so connections
/// are reused across calls. The body is delivered through the delegate's `didReceive data`
/// calls, which arrive as the network does, so an SSE stream is read incrementally. Redirects
/// are never followed (they would carry the Authorization header elsewhere).
///
/// The timeout policy, the same for every client of this transport:
/// - the connect timeout bounds the wait from sending the request to the response head
///   (status and headers);
/// - the read timeout bounds each silence while the body streams, so a slow but steady stream
///   is never cut, however long it runs.
/// A watchdog per request enforces both, because URLSession's own `timeoutInterval` means
/// different things on different platforms; URLSession's timeout is set far beyond them
/// (4 × their sum), only as a backstop.
///
/// The stale keep-alive rule: a request whose connection ends before any of the response head
/// arrived (not a timeout) is sent again at once, once, on a fresh connection (the dead one is
/// gone from the pool), when repeating it is safe: always for GET, HEAD, PUT, DELETE and
/// OPTIONS; for POST only when the connection was a reused keep-alive one (libcurl says so by
/// asking for the body again), where a close before any response byte is the server having
/// closed the idle connection as the request crossed it: the classic case browsers and curl
/// retry. A POST whose fresh connection closes unanswered may have reached the server: it
/// fails, for the caller to judge.
public final class HTTPTransport: Sendable {
    private let sessionSlot = SessionSlot()
    private let delegate = SessionDelegate()
    public let connectTimeout: Duration
    public let readTimeout: Duration

    /// The session is made by the first request: making one (FoundationNetworking's cookie
    /// storage, cache and configuration) was 8% of the CPU of the hosted backend's start-up, and
    /// a process may never send a request.
    private final class SessionSlot: @unchecked Sendable {
        let lock = NSLock()
        var session: URLSession?
        var shutDown = false
    }

    public init(connectTimeout: Duration, readTimeout: Duration) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    private var session: URLSession {
        sessionSlot.lock.withLock {
            if let session = sessionSlot.session { return session }
            let session = makeSession()
            if sessionSlot.shutDown { session.invalidateAndCancel() }  // as before: a shut transport fails its requests
            sessionSlot.session = session
            return session
        }
    }

    private func makeSession() -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        // Our watchdog owns timeouts; these only back it up if it ever failed to fire.
        let backstop = Self.seconds(connectTimeout + readTimeout) * 4
        configuration.timeoutIntervalForRequest = backstop
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        return URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
    }

    public static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Sends the request and returns once the response head has arrived. Throws
    /// `TransportError` (or `CancellationError` when the calling task is cancelled).
    public func open(_ request: HTTPRequest) async throws -> HTTPExchange {
        do {
            return try await openOnce(request)
        } catch let error as TransportError where Self.mayRepeat(request, after: error) {
            try Task.checkCancellation()
            return try await openOnce(request)
        }
    }

    static let idempotentMethods: Set<String> = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]

    /// Whether a request that got no byte of answer may be sent again (the rule above).
    static func mayRepeat(_ request: HTTPRequest, after error: TransportError) -> Bool {
        error.closedBeforeResponse && (error.onReusedConnection || idempotentMethods.contains(request.method.uppercased()))
    }

    private func openOnce(_ request: HTTPRequest) async throws -> HTTPExchange {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = Self.seconds(connectTimeout + readTimeout) * 4
        for header in request.headers { urlRequest.setValue(header.value, forHTTPHeaderField: header.name) }
        urlRequest.httpBody = request.body
        let task = session.dataTask(with: urlRequest)
        let exchange = ExchangeState(host: request.url.host ?? "", port: request.url.port)
        delegate.register(exchange, for: task.taskIdentifier)
        let watchdog = Task { [connectTimeout, readTimeout] in
            await exchange.watch(connectTimeout: connectTimeout, readTimeout: readTimeout) { task.cancel() }
        }
        exchange.onFinish = { watchdog.cancel() }
        let head = try await withTaskCancellationHandler {
            try await exchange.waitForHead { task.resume() }
        } onCancel: {
            exchange.cancelledByCaller()
            task.cancel()
        }
        let cancel: @Sendable () -> Void = {
            exchange.cancelledByCaller()
            task.cancel()
        }
        return HTTPExchange(head: head, body: exchange.makeBody(onTermination: cancel), cancel: cancel)
    }

    /// Cancels every request in flight; the transport cannot be used afterwards.
    public func shutdown() {
        sessionSlot.lock.withLock {
            sessionSlot.shutDown = true
            sessionSlot.session?.invalidateAndCancel()
        }
    }
}
