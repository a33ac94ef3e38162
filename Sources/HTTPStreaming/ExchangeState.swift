import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One request's state between the delegate's callbacks and the awaiting caller.
/// `@unchecked Sendable`: every mutable field is read and written under `lock`.
final class ExchangeState: @unchecked Sendable {
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
    private var diedOnReusedConnection = false
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
            let mapped = error.map { refine(mapError($0)) }
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

    /// The request went out on a reused connection that closed before any response byte.
    func reusedConnectionDied() {
        lock.withLock { diedOnReusedConnection = true }
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

    /// What the failure means, given when it came (called under `lock`): a reused connection
    /// that died unanswered, a body cut short, or a connection that closed before answering
    /// (connected, so not refused, DNS or TLS; not a timeout; not the caller's cancel).
    private func refine(_ mapped: any Error) -> any Error {
        guard timedOut == nil, !cancelled, let failure = mapped as? TransportError else { return mapped }
        if diedOnReusedConnection {
            return TransportError(
                kind: .connectionLost, message: "\(endpoint) closed the kept-alive connection before answering",
                closedBeforeResponse: true, onReusedConnection: true)
        }
        switch (phase, failure.kind) {
        case (.body, .other):
            // Whatever libcurl calls it ("transfer closed with outstanding read data
            // remaining"), a body that stops with an error is a lost connection.
            return TransportError(kind: .connectionLost, message: failure.message)
        case (.waitingForHead, .connectionLost), (.waitingForHead, .other):
            return TransportError(
                kind: .connectionLost, message: "\(endpoint) closed the connection before answering (\(failure.message))",
                closedBeforeResponse: true)
        default:
            return mapped
        }
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
