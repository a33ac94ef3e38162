import CCurl
import Foundation

/// One request on `CurlTransport`: curl's callbacks (on the transport's thread) hand the head and
/// the body to the caller. The body goes through a bounded buffer: while it holds
/// `bufferLimit` bytes the transfer is paused (curl stops reading the socket, so the server's
/// sends wait in TCP) until the reader takes them; a caller that wants the whole body
/// (`waitForWholeResponse`) gets head and body at the end, in one hand-off from the transport's
/// thread instead of one per piece. `@unchecked Sendable`: the mutable state is
/// guarded by `lock`; `handle` is used only on the transport's thread after `init`.
final class CurlTransfer: @unchecked Sendable {
    enum Phase { case waitingForHead, body, finished }

    let curl: LibCurl
    let handle: UnsafeMutableRawPointer
    let endpoint: String
    private let host: String
    private let bufferLimit: Int
    private let connectTimeout: Duration
    private let readTimeout: Duration
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let lock = NSLock()

    // Under `lock`.
    private var status = 0
    private var headers: [String: String] = [:]
    private var head: HTTPResponseHead?
    private var headWaiter: CheckedContinuation<HTTPResponseHead, any Error>?
    private var body = Data()
    private var bodyWaiter: CheckedContinuation<Data?, any Error>?
    private var wholeWaiter: CheckedContinuation<(HTTPResponseHead, Data), any Error>?
    private var failure: (any Error)?
    private var cancelled = false
    private(set) var phase = Phase.waitingForHead
    private(set) var paused = false
    private(set) var lastActivity = ContinuousClock.now

    /// - Parameter handle: a new or reset easy handle, the transfer's until `release`.
    /// - Parameter connectTimeout, readTimeout: its transport's (`overdue`).
    init(
        curl: LibCurl, handle: UnsafeMutableRawPointer?, request: HTTPRequest, bufferLimit: Int,
        connectTimeout: Duration, readTimeout: Duration
    ) throws {
        guard let handle else { throw TransportError(kind: .other, message: "curl_easy_init failed") }
        self.curl = curl
        self.handle = handle
        self.bufferLimit = bufferLimit
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        host = request.url.host ?? ""
        endpoint = request.url.port.map { "\(request.url.host ?? ""):\($0)" } ?? (request.url.host ?? "")
        curl.setPointer(handle, CURLOPT_URL, request.url.absoluteString)
        curl.setLong(handle, CURLOPT_NOSIGNAL, 1)
        // Never follow redirects: they would carry the Authorization header to another place.
        curl.setLong(handle, CURLOPT_FOLLOWLOCATION, 0)
        switch request.method.uppercased() {
        case "GET": curl.setLong(handle, CURLOPT_HTTPGET, 1)
        case "POST": curl.setLong(handle, CURLOPT_POST, 1)
        case "HEAD": curl.setLong(handle, CURLOPT_NOBODY, 1)  // a custom HEAD would wait for a body
        default: curl.setPointer(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if let body = request.body ?? (request.method.uppercased() == "POST" ? Data() : nil) {
            // Even an empty body is given, so curl never reads one from elsewhere.
            curl.setSize(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            _ = (body + [0]).withUnsafeBytes { curl.setPointer(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        }
        // "Expect: 100-continue" would cost a round trip before every larger body, and curl's
        // default Content-Type of a POST is a form's: neither is sent unless asked for.
        var lines = request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"]
        if !request.headers.contains(where: { $0.name.lowercased() == "content-type" }) { lines.append("Content-Type:") }
        for line in lines {
            headerList = curl.slistAppend(headerList, line)
        }
        curl.setPointer(handle, CURLOPT_HTTPHEADER, headerList)
        let context = Unmanaged.passUnretained(self).toOpaque()
        curl.setPointer(handle, CURLOPT_PRIVATE, context)
        curl.setPointer(handle, CURLOPT_HEADERDATA, context)
        curl.setPointer(handle, CURLOPT_WRITEDATA, context)
        curl.setCallback(handle, CURLOPT_HEADERFUNCTION) { bytes, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            transfer.received(headerLine: UnsafeRawBufferPointer(start: bytes, count: size * count))
            return size * count
        }
        curl.setCallback(handle, CURLOPT_WRITEFUNCTION) { bytes, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.received(body: UnsafeRawBufferPointer(start: bytes, count: size * count))
        }
    }

    /// Frees what the transfer set on its handle (the transport's thread, once the handle has
    /// left the multi handle); the handle itself goes back to the loop.
    func release() {
        curl.slistFreeAll(headerList)
        headerList = nil
    }

    // MARK: curl's callbacks (the transport's thread)

    private func received(headerLine bytes: UnsafeRawBufferPointer) {
        // Read on bytes: Foundation's trimming and case mapping cost more than the request.
        let line = Self.trimmed(bytes[...])
        let waiter: CheckedContinuation<HTTPResponseHead, any Error>?
        let ready: HTTPResponseHead?
        (waiter, ready) = lock.withLock {
            lastActivity = .now
            if line.starts(with: "HTTP/".utf8) {
                let code = line.drop { $0 != UInt8(ascii: " ") }.dropFirst().prefix { $0 != UInt8(ascii: " ") }
                status = Int(String(decoding: code, as: UTF8.self)) ?? 0
                headers = [:]
            } else if line.isEmpty {
                // The end of a head; an interim one (100 Continue) is followed by the real one.
                guard status >= 200, head == nil else { return (nil, nil) }
                let complete = HTTPResponseHead(status: status, headers: headers)
                head = complete
                phase = .body
                defer { headWaiter = nil }
                return (headWaiter, complete)
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                let name = String(decoding: line[..<colon].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
                let value = String(decoding: Self.trimmed(line[(colon + 1)...]), as: UTF8.self)
                headers[name] = headers[name].map { "\($0), \(value)" } ?? value
            }
            return (nil, nil)
        }
        if let waiter, let ready { waiter.resume(returning: ready) }
    }

    /// Without leading and trailing spaces, tabs, CRs and LFs.
    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return bytes[bytes.startIndex..<bytes.startIndex]
        }
        return bytes[first...last]
    }

    private func received(body bytes: UnsafeRawBufferPointer) -> Int {
        let (accepted, waiter, chunk): (Bool, CheckedContinuation<Data?, any Error>?, Data?) = lock.withLock {
            lastActivity = .now
            if let waiter = bodyWaiter {
                bodyWaiter = nil
                return (true, waiter, Data(bytes))
            }
            guard body.count < bufferLimit else {
                paused = true
                return (false, nil, nil)
            }
            body.append(contentsOf: bytes)
            return (true, nil, nil)
        }
        if let waiter { waiter.resume(returning: chunk) }
        // Pausing leaves the bytes with curl, which hands them over again once resumed.
        return accepted ? bytes.count : Int(CURL_WRITEFUNC_PAUSE)
    }

    /// The transfer ended: `code` is curl's result, `timedOut` the watchdog's reason.
    func finish(_ code: CURLcode, timedOut: String? = nil) {
        let (headWaiter, bodyWaiter, wholeWaiter, error): (
            CheckedContinuation<HTTPResponseHead, any Error>?, CheckedContinuation<Data?, any Error>?,
            CheckedContinuation<(HTTPResponseHead, Data), any Error>?, (any Error)?
        ) = lock.withLock {
            let error: (any Error)? =
                if cancelled { CancellationError() } else if let timedOut {
                    TransportError(kind: .timeout, message: "timed out: \(timedOut)")
                } else { map(code) }
            failure = error
            phase = .finished
            // A body waiter exists only while the buffer is empty: it gets the end.
            defer { (self.headWaiter, self.bodyWaiter, self.wholeWaiter) = (nil, nil, nil) }
            return (self.headWaiter, self.bodyWaiter, self.wholeWaiter, error)
        }
        headWaiter?.resume(throwing: error ?? Self.closedUnanswered)
        if let bodyWaiter {
            if let error { bodyWaiter.resume(throwing: error) } else { bodyWaiter.resume(returning: nil) }
        }
        wholeWaiter?.resume(with: lock.withLock { wholeResponse() })
    }

    private static var closedUnanswered: TransportError {
        TransportError(kind: .other, message: "the connection closed before a response arrived")
    }

    /// How a finished transfer ended for a caller of `waitForWholeResponse` (under `lock`).
    private func wholeResponse() -> Result<(HTTPResponseHead, Data), any Error> {
        if let failure { return .failure(failure) }
        guard let head else { return .failure(Self.closedUnanswered) }
        return .success((head, body))
    }

    /// How often the watchdog looks at this transfer: a quarter of its shorter timeout, within
    /// 10–250 ms.
    var watchdogTick: Duration {
        min(.milliseconds(250), max(.milliseconds(10), min(connectTimeout, readTimeout) / 4))
    }

    /// The watchdog's verdict: why the transfer is overdue now, or nil.
    func overdue(now: ContinuousClock.Instant) -> String? {
        lock.withLock {
            switch phase {
            case .waitingForHead where now - lastActivity >= connectTimeout:
                return "no response from \(endpoint) within the connect timeout of \(TransportPolicy.describe(connectTimeout))"
            case .body where !paused && now - lastActivity >= readTimeout:
                return "\(endpoint) sent nothing for the read timeout of \(TransportPolicy.describe(readTimeout))"
            default:
                return nil
            }
        }
    }

    /// The reader took the buffer: the transfer goes on (called before curl is told).
    func noteResumed() {
        lock.withLock {
            paused = false
            lastActivity = .now
        }
    }

    // MARK: the caller's side

    func markCancelled() {
        lock.withLock { if phase != .finished { cancelled = true } }
    }

    func waitForHead(onCancel: @escaping @Sendable () -> Void) async throws -> HTTPResponseHead {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let early: Result<HTTPResponseHead, any Error>? = lock.withLock {
                    if let head { return .success(head) }
                    if cancelled { return .failure(CancellationError()) }
                    if phase == .finished { return .failure(failure ?? Self.closedUnanswered) }
                    headWaiter = continuation
                    return nil
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            onCancel()
        }
    }

    /// The head and the whole body, once the transfer has ended (made with no buffer limit, so
    /// it never pauses): what `waitForHead` and `nextChunk` to the end give, in one wait.
    func waitForWholeResponse(onCancel: @escaping @Sendable () -> Void) async throws -> (HTTPResponseHead, Data) {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let early: Result<(HTTPResponseHead, Data), any Error>? = lock.withLock {
                    if cancelled { return .failure(CancellationError()) }
                    if phase == .finished { return wholeResponse() }
                    wholeWaiter = continuation
                    return nil
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            onCancel()
        }
    }

    /// The body received so far (everything buffered, in one piece), waiting for some when there
    /// is none; nil at the end. `resume` is called when taking the buffer unpaused the transfer.
    func nextChunk(resume: @Sendable () -> Void, onCancel: @escaping @Sendable () -> Void) async throws -> Data? {
        var wasPaused = false
        let chunk = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data?, any Error>) in
                let early: Result<Data?, any Error>? = lock.withLock {
                    if !body.isEmpty {
                        let chunk = body
                        body = Data()
                        wasPaused = paused
                        return .success(chunk)
                    }
                    if cancelled { return .failure(CancellationError()) }
                    if phase == .finished { return failure.map { .failure($0) } ?? .success(nil) }
                    bodyWaiter = continuation
                    return nil
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            onCancel()
        }
        if wasPaused { resume() }
        return chunk
    }

    // MARK: errors

    /// Called under `lock`.
    private func map(_ code: CURLcode) -> (any Error)? {
        if code == CURLE_OK { return nil }
        let detail = curl.describe(code)
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return TransportError(kind: .dns, message: "DNS failure: cannot resolve the host \(host)")
        case CURLE_COULDNT_CONNECT:
            return TransportError(kind: .refused, message: "connection refused by \(endpoint)")
        case CURLE_OPERATION_TIMEDOUT:
            return TransportError(kind: .timeout, message: "timed out talking to \(endpoint)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            return TransportError(kind: .tls, message: "TLS failure talking to \(endpoint): \(detail)")
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
            if head == nil {
                return TransportError(
                    kind: .connectionLost, message: "\(endpoint) closed the connection before answering (\(detail))",
                    closedBeforeResponse: true)
            }
            return TransportError(kind: .connectionLost, message: "the connection to \(endpoint) was lost (\(detail))")
        default:
            return TransportError(kind: .other, message: "network error talking to \(endpoint): \(detail) (curl error \(code.rawValue))")
        }
    }
}
