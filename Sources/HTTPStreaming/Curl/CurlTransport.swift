import CCurl
import Foundation

/// HTTP over libcurl's multi interface, on one thread of its own: connections are kept alive
/// and reused, and a body that its reader does not keep up with pauses its transfer (real
/// back-pressure: curl stops reading that socket until the reader takes what is buffered), so
/// a long event stream holds at most `bodyBufferBytes` in memory, however fast it arrives.
/// One policy for every client: no redirects (they would carry the Authorization header
/// elsewhere); the connect timeout bounds the wait from sending the request to the response head;
/// the read timeout bounds each silence of the body (not counting time paused by our reader), so
/// a slow but steady stream is never cut; and the stale keep-alive rule (`TransportPolicy`: curl
/// resends a request whose reused connection died unanswered; a fresh connection that closes
/// unanswered is repeated once for idempotent verbs). libcurl is loaded by the first request
/// (`LibCurl`). A `fetch` made on a connection's read thread that waits with
/// `InputThreadTransfers` is performed by that thread while it waits (`fetchesOnInputThread`).
public final class CurlTransport: Sendable {
    public let connectTimeout: Duration
    public let readTimeout: Duration
    public let bodyBufferBytes: Int
    private let loop: CurlMultiLoop
    private let fetchesOnInputThread: Bool

    /// - Parameter maxConnectionsPerHost: requests beyond it wait for a connection to free up
    ///   (the connect timeout counts that wait).
    /// - Parameter fetchesOnInputThread: a `fetch` called on the thread that drives
    ///   `InputThreadTransfers` goes to that thread's loop (its own connections, at most 16 a
    ///   host): its answer wakes that thread alone, with no hand-off to the transport's thread.
    public init(
        connectTimeout: Duration, readTimeout: Duration, maxConnectionsPerHost: Int = 16, bodyBufferBytes: Int = 256 << 10,
        fetchesOnInputThread: Bool = false
    ) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.bodyBufferBytes = bodyBufferBytes
        self.fetchesOnInputThread = fetchesOnInputThread
        loop = CurlMultiLoop(driver: .ownThread, maxConnectionsPerHost: maxConnectionsPerHost)
    }

    /// Sends the request and returns once the response head has arrived. Throws
    /// `TransportError` (or `CancellationError` when the calling task is cancelled).
    public func open(_ request: HTTPRequest) async throws -> HTTPExchange {
        do {
            return try await openOnce(request)
        } catch let error as TransportError where TransportPolicy.mayRepeat(request, after: error) {
            try Task.checkCancellation()
            return try await openOnce(request)
        }
    }

    private func openOnce(_ request: HTTPRequest) async throws -> HTTPExchange {
        let curl = try LibCurl.load()
        let transfer = try CurlTransfer(
            curl: curl, handle: loop.takeHandle(curl), request: request, bufferLimit: bodyBufferBytes,
            connectTimeout: connectTimeout, readTimeout: readTimeout)
        let loop = loop
        let cancel: @Sendable () -> Void = {
            transfer.markCancelled()
            loop.post(.cancel(transfer))
        }
        loop.post(.add(transfer))
        let head = try await transfer.waitForHead(onCancel: cancel)
        // A reader that goes away without reading to the end (or cancelling) must not leave a
        // paused transfer holding its connection: the body's owner cancels it when released.
        let owner = BodyOwner(cancel: cancel)
        let body = AsyncThrowingStream<Data, any Error> {
            try await owner.next(transfer, resume: { loop.post(.resume(transfer)) })
        }
        return HTTPExchange(head: head, body: body, cancel: cancel)
    }

    /// Sends the request and returns the response's head and whole body, once it has all
    /// arrived: for answers read whole, one hand-off from the transport's thread where `open`
    /// and reading `body` take one per piece. The same timeouts, errors and repeat rule as `open`.
    public func fetch(_ request: HTTPRequest) async throws -> (head: HTTPResponseHead, body: Data) {
        do {
            return try await fetchOnce(request)
        } catch let error as TransportError where TransportPolicy.mayRepeat(request, after: error) {
            try Task.checkCancellation()
            return try await fetchOnce(request)
        }
    }

    private func fetchOnce(_ request: HTTPRequest) async throws -> (head: HTTPResponseHead, body: Data) {
        let curl = try LibCurl.load()
        let inputThread = CurlMultiLoop.inputThread
        let loop = fetchesOnInputThread && inputThread.isDrivenByCurrentThread ? inputThread : loop
        let transfer = try CurlTransfer(
            curl: curl, handle: loop.takeHandle(curl), request: request, bufferLimit: .max,
            connectTimeout: connectTimeout, readTimeout: readTimeout)
        loop.post(.add(transfer))
        return try await transfer.waitForWholeResponse {
            transfer.markCancelled()
            loop.post(.cancel(transfer))
        }
    }

    /// Cancels every request in flight on the transport's thread; the transport cannot be used
    /// afterwards. (Calls performed by an input thread end with their requests, which the
    /// connection cancels when it closes.)
    public func shutdown() {
        loop.post(.shutdown)
    }
}

/// Cancels its transfer when the body stream that holds it is released before the end.
private final class BodyOwner: Sendable {
    private let cancel: @Sendable () -> Void
    private let ended = LockedFlag()

    init(cancel: @escaping @Sendable () -> Void) { self.cancel = cancel }

    func next(_ transfer: CurlTransfer, resume: @Sendable () -> Void) async throws -> Data? {
        do {
            let chunk = try await transfer.nextChunk(resume: resume, onCancel: cancel)
            if chunk == nil { ended.set() }
            return chunk
        } catch {
            ended.set()
            throw error
        }
    }

    deinit {
        if !ended.value { cancel() }
    }
}

final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}
