import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request as the backend builds it.
struct HTTPRequest: Sendable {
    var method: String
    var url: URL
    var headers: [(name: String, value: String)]
    var body: Data?
}

/// The status line and headers of a response (header names lowercased).
struct HTTPResponseHead: Sendable {
    var status: Int
    var headers: [String: String]

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A request in flight whose head has arrived: its body arrives through `body`, chunk by chunk,
/// as the network delivers it. Dropping or cancelling the body's iteration cancels the request.
struct HTTPExchange: Sendable {
    var head: HTTPResponseHead
    var body: AsyncThrowingStream<Data, any Error>
    var cancel: @Sendable () -> Void

    /// The whole body (for non-streaming endpoints).
    func collect() async throws -> Data {
        var data = Data()
        for try await chunk in body { data.append(chunk) }
        return data
    }
}

/// HTTP over one shared `URLSession` (FoundationNetworking on Linux), so connections are
/// reused across calls. The body is delivered through the delegate's `didReceive data` calls,
/// which arrive as the network does, so an SSE stream is read incrementally. Timeouts are
/// enforced here (a watchdog per request), because URLSession's own `timeoutInterval` means
/// different things on different platforms.
final class HTTPTransport: Sendable {
    private let session: URLSession
    private let delegate: SessionDelegate
    let connectTimeout: Duration
    let readTimeout: Duration

    init(connectTimeout: Duration, readTimeout: Duration) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        // Our watchdog owns timeouts; these only back it up if it ever failed to fire.
        let backstop = Self.seconds(connectTimeout + readTimeout) * 4
        configuration.timeoutIntervalForRequest = backstop
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        delegate = SessionDelegate()
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Sends the request and returns once the response head has arrived. Throws
    /// `TransportError` (or `CancellationError` when the calling task is cancelled).
    func open(_ request: HTTPRequest) async throws -> HTTPExchange {
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

    func shutdown() {
        session.invalidateAndCancel()
    }
}

/// What went wrong below HTTP, in words a user can act on.
struct TransportError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable { case dns, refused, tls, timeout, connectionLost, other }
    var kind: Kind
    var message: String
    /// The request surely never reached the server (no connection was made): safe to retry any verb.
    var neverReachedServer: Bool { kind == .dns || kind == .refused }
    var description: String { message }
}

/// The delegate of the one session: routes each task's callbacks to its `ExchangeState`.
/// `@unchecked Sendable`: URLSession calls it on its delegate queue while `open` registers
/// from any task; the only mutable state, `exchanges`, is guarded by `lock`.
private final class SessionDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var exchanges: [Int: ExchangeState] = [:]

    func register(_ exchange: ExchangeState, for id: Int) {
        lock.withLock { exchanges[id] = exchange }
    }

    private func exchange(_ id: Int, remove: Bool = false) -> ExchangeState? {
        lock.withLock { remove ? exchanges.removeValue(forKey: id) : exchanges[id] }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        exchange(dataTask.taskIdentifier)?.receivedHead(HTTPResponseHead(status: http?.statusCode ?? 0, headers: headers))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        exchange(dataTask.taskIdentifier)?.received(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        exchange(task.taskIdentifier, remove: true)?.completed(error)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        // Never follow redirects: they would carry the Authorization header to another place.
        completionHandler(nil)
    }
}

/// One request's state between the delegate's callbacks and the awaiting caller.
/// `@unchecked Sendable`: every mutable field is read and written under `lock`.
private final class ExchangeState: @unchecked Sendable {
    private enum Phase { case waitingForHead, body, finished }

    private let lock = NSLock()
    private let host: String
    private let port: Int?
    private var phase = Phase.waitingForHead
    private var headContinuation: CheckedContinuation<HTTPResponseHead, any Error>?
    private var head: HTTPResponseHead?
    private let body = ResponseBodyRelay()
    private var lastActivity = ContinuousClock.now
    private var timedOut: String?
    private var cancelled = false
    var onFinish: (@Sendable () -> Void)? {
        get { lock.withLock { finishHook } }
        set { lock.withLock { finishHook = newValue } }
    }
    private var finishHook: (@Sendable () -> Void)?

    init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    func waitForHead(start: () -> Void) async throws -> HTTPResponseHead {
        try await withCheckedThrowingContinuation { continuation in
            let early: Result<HTTPResponseHead, any Error>? = lock.withLock {
                if cancelled { return .failure(CancellationError()) }
                headContinuation = continuation
                lastActivity = .now
                return nil
            }
            if let early { continuation.resume(with: early) } else { start() }
        }
    }

    func receivedHead(_ head: HTTPResponseHead) {
        let continuation = lock.withLock {
            self.head = head
            phase = .body
            lastActivity = .now
            defer { headContinuation = nil }
            return headContinuation
        }
        continuation?.resume(returning: head)
    }

    func received(_ data: Data) {
        lock.withLock { lastActivity = .now }
        body.append(data)
    }

    func completed(_ error: (any Error)?) {
        let (headWaiter, hook, mapped): (CheckedContinuation<HTTPResponseHead, any Error>?, (@Sendable () -> Void)?, (any Error)?) = lock.withLock {
            let mapped = error.map { mapError($0) }
            phase = .finished
            defer { headContinuation = nil }
            return (headContinuation, finishHook, mapped)
        }
        hook?()
        if let headWaiter {
            headWaiter.resume(throwing: mapped ?? TransportError(kind: .other, message: "the connection closed before a response arrived"))
        }
        body.finish(throwing: mapped)
    }

    func cancelledByCaller() {
        lock.withLock { cancelled = true }
    }

    func makeBody(onTermination: @escaping @Sendable () -> Void) -> AsyncThrowingStream<Data, any Error> {
        body.makeStream(onCancel: onTermination)
    }

    /// Cancels the request when the head is late or the body goes silent for too long.
    func watch(connectTimeout: Duration, readTimeout: Duration, cancel: () -> Void) async {
        while !Task.isCancelled {
            let (deadline, what): (ContinuousClock.Instant?, String) = lock.withLock {
                switch phase {
                case .waitingForHead: return (lastActivity + connectTimeout, "no response from \(endpoint) within the connect timeout of \(Self.describe(connectTimeout))")
                case .body: return (lastActivity + readTimeout, "\(endpoint) sent nothing for the read timeout of \(Self.describe(readTimeout))")
                case .finished: return (nil, "")
                }
            }
            guard let deadline else { return }
            if ContinuousClock.now >= deadline {
                lock.withLock { timedOut = what }
                cancel()
                return
            }
            // Wake at least every quarter of the shorter timeout: the phase (and so the
            // deadline that applies) may change while we sleep.
            let check = ContinuousClock.now + min(connectTimeout, readTimeout) / 4
            try? await Task.sleep(until: min(deadline, check), clock: .continuous)
        }
    }

    private var endpoint: String { port.map { "\(host):\($0)" } ?? host }

    static func describe(_ duration: Duration) -> String {
        let seconds = HTTPTransport.seconds(duration)
        return seconds < 1 ? "\(Int(seconds * 1000)) ms" : "\(seconds.formatted()) s"
    }

    /// Called under `lock`.
    private func mapError(_ error: any Error) -> any Error {
        if let timedOut { return TransportError(kind: .timeout, message: "timed out: \(timedOut)") }
        let code = (error as? URLError)?.code ?? URLError.Code(rawValue: (error as NSError).code)
        switch code {
        case .cancelled where cancelled: return CancellationError()
        case .cannotFindHost, .dnsLookupFailed:
            return TransportError(kind: .dns, message: "DNS failure: cannot resolve the host \(host)")
        case .cannotConnectToHost:
            return TransportError(kind: .refused, message: "connection refused by \(endpoint)")
        case .timedOut:
            return TransportError(kind: .timeout, message: "timed out talking to \(endpoint)")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
            .clientCertificateRequired:
            return TransportError(kind: .tls, message: "TLS failure talking to \(endpoint): \((error as NSError).localizedDescription)")
        case .networkConnectionLost:
            return TransportError(kind: .connectionLost, message: "the connection to \(endpoint) was lost")
        case .notConnectedToInternet:
            return TransportError(kind: .refused, message: "no network connection to reach \(endpoint)")
        default:
            let detail = (error as NSError).localizedDescription
            // FoundationNetworking reports some handshake failures (curl's SSL connect error)
            // without a TLS code; its text names SSL then.
            if detail.contains("SSL") || detail.contains("TLS") {
                return TransportError(kind: .tls, message: "TLS failure talking to \(endpoint): \(detail) (URLError \((error as NSError).code))")
            }
            return TransportError(kind: .other, message: "network error talking to \(endpoint): \(detail) (URLError \((error as NSError).code))")
        }
    }
}
