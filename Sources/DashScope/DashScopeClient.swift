import AssistantAPI
import AssistdSupport
import Foundation
import HTTPStreaming
import JSONCore

/// Where the backend's trace lines go (the bridge passes its stderr logger). Lines name the
/// verb, path, status, time and request id; never a header value or a body.
public typealias DashScopeLog = @Sendable (String) -> Void

/// The HTTP side of the backend: builds requests with the SDK's headers, sends them with
/// retries, decodes answers and errors, and opens event streams.
final class DashScopeClient: Sendable {
    let configuration: DashScopeConfiguration
    /// Plain calls (reads, writes); those started on a connection's read thread are performed
    /// by it while it waits for input (`InputThreadTransfers`).
    let transport: CurlTransport
    /// Event streams, in a pool of their own: each holds a connection for as long as its run
    /// streams, and a read must never wait for a connection behind the streams that fill a pool.
    let streamTransport: CurlTransport
    let errors: ServiceErrors
    let log: DashScopeLog?

    init(configuration: DashScopeConfiguration, log: DashScopeLog?) {
        self.configuration = configuration
        self.log = log
        transport = CurlTransport(
            connectTimeout: configuration.connectTimeout, readTimeout: configuration.readTimeout, fetchesOnInputThread: true)
        // A stream holds its connection for the whole run (HTTP/1.1 cannot share one): room for
        // many runs at once, still bounded.
        streamTransport = CurlTransport(
            connectTimeout: configuration.connectTimeout, readTimeout: configuration.readTimeout, maxConnectionsPerHost: 256)
        errors = ServiceErrors(key: configuration.apiKey)
        // Every text leaving the process is scrubbed of these (a proxy may echo headers back).
        configuration.apiKey.registerAsKnownSecret()
        configuration.extraHeaders.values.forEach(KnownSecrets.register)
    }

    // MARK: requests

    static let jsonContentType = "application/json; charset=utf-8"

    func makeRequest(_ endpoint: Endpoint) throws(APIError) -> HTTPRequest {
        guard !configuration.apiKey.isEmpty else { throw DashScopeConfiguration.missingKeyError }
        guard let url = endpoint.url(base: configuration.baseURL) else {
            throw APIError.invalid("base_url", "cannot form a URL from the base \(configuration.baseURL) and \(endpoint.relativePath)")
        }
        var headers: [(name: String, value: String)] = [
            ("Authorization", configuration.apiKey.bearerHeader),
            ("Accept", Self.jsonContentType),
            ("User-Agent", configuration.userAgent),
        ]
        var body: Data?
        if let json = endpoint.body {
            SecretRedaction.learnSecrets(in: json)  // plugin user_tokens, before anything can echo them
            headers.append(("Content-Type", Self.jsonContentType))
            body = Data(json.serialized())
        }
        if let workspace = configuration.workspace { headers.append(("X-DashScope-WorkSpace", workspace)) }
        for (name, value) in configuration.extraHeaders.sorted(by: { $0.key < $1.key }) {
            headers.removeAll { $0.name.lowercased() == name.lowercased() }
            headers.append((name, value))
        }
        return HTTPRequest(method: endpoint.method, url: url, headers: headers, body: body)
    }

    // MARK: plain calls

    /// Sends the call (retrying as allowed) and returns the answer's JSON object.
    func call(_ endpoint: Endpoint) async throws -> JSONValue {
        let (head, body) = try await send(endpoint)
        guard (200..<300).contains(head.status) else {
            throw errors.httpError(status: head.status, head: head, body: body, endpoint: endpoint)
        }
        do {
            return SecretRedaction.scrubKnownSecrets(try JSONValue.parse(body))
        } catch {
            throw APIError(
                .upstreamFailure, "the service's answer to \(endpoint.description) is not JSON: \(error)",
                statusCode: head.status, code: "MalformedResponse", requestID: head.header("x-request-id"))
        }
    }

    func call<T: Decodable>(_ endpoint: Endpoint, as type: T.Type) async throws -> T {
        let json = try await call(endpoint)
        do {
            return try json.decode(T.self)
        } catch {
            throw APIError(
                .upstreamFailure, "the service's answer to \(endpoint.description) does not have the expected shape: \(error)",
                code: "MalformedResponse", requestID: json["request_id"]?.stringValue)
        }
    }

    private func send(_ endpoint: Endpoint) async throws -> (HTTPResponseHead, Data) {
        let request = try makeRequest(endpoint)
        var attempt = 0
        while true {
            let started = ContinuousClock.now
            do {
                let (head, body) = try await transport.fetch(request)
                trace("\(endpoint.description) -> \(head.status) in \(Self.milliseconds(since: started)) ms\(Self.requestIDNote(head, body))")
                if endpoint.isRead, head.status == 429 || head.status >= 500, attempt < configuration.maxRetries,
                    let delay = retryDelay(attempt: attempt, retryAfter: head.header("retry-after"))
                {
                    trace("\(endpoint.description): retrying after HTTP \(head.status) in \(Self.describe(delay)) (retry \(attempt + 1) of \(configuration.maxRetries))")
                    try await Task.sleep(for: delay)
                    attempt += 1
                    continue
                }
                return (head, body)
            } catch let error as TransportError {
                trace("\(endpoint.description) failed after \(Self.milliseconds(since: started)) ms: \(errors.scrub(error.message))")
                if !error.clientUnavailable, attempt < configuration.maxRetries, error.neverReachedServer || endpoint.isRead,
                    let delay = retryDelay(attempt: attempt, retryAfter: nil)
                {
                    trace("\(endpoint.description): retrying in \(Self.describe(delay)) (retry \(attempt + 1) of \(configuration.maxRetries))")
                    try await Task.sleep(for: delay)
                    attempt += 1
                    continue
                }
                throw errors.transportError(error, what: endpoint.description)
            }
        }
    }

    /// Exponential backoff with jitter, or the service's `Retry-After` (seconds or an HTTP
    /// date) when it gave one; nil when that is longer than we are willing to wait.
    func retryDelay(attempt: Int, retryAfter: String?) -> Duration? {
        if let retryAfter, let seconds = Self.parseRetryAfter(retryAfter) {
            let wait = Duration.milliseconds(Int64((seconds * 1000).rounded(.up)))
            return wait > configuration.maxRetryAfter ? nil : wait
        }
        let exponential = configuration.retryBaseDelay * (1 << min(attempt, 20))
        let capped = min(exponential, configuration.maxRetryDelay)
        return capped * Double.random(in: 0.5...1.0)
    }

    static func parseRetryAfter(_ value: String) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSinceNow)
    }

    // MARK: streams

    /// Opens an event stream: throws at once for an HTTP error; otherwise the events are
    /// yielded as they arrive, `done` last. An `error` event, malformed data, a dropped
    /// connection or an end without `done` finish the stream with an error after the events
    /// already yielded. Cancelling the consumer cancels the HTTP request.
    func stream(_ endpoint: Endpoint) async throws -> StreamEventBatches {
        let request = try makeRequest(endpoint)
        var attempt = 0
        let exchange: HTTPExchange
        while true {
            do {
                exchange = try await streamTransport.open(request)
                break
            } catch let error as TransportError {
                if attempt < configuration.maxRetries, error.neverReachedServer, let delay = retryDelay(attempt: attempt, retryAfter: nil) {
                    trace("\(endpoint.description): \(error.message); retrying in \(Self.describe(delay))")
                    try await Task.sleep(for: delay)
                    attempt += 1
                    continue
                }
                throw errors.transportError(error, what: endpoint.description)
            }
        }
        let head = exchange.head
        guard (200..<300).contains(head.status) else {
            let body = (try? await exchange.collect()) ?? Data()
            trace("\(endpoint.description) (stream) -> \(head.status)\(Self.requestIDNote(head, body))")
            throw errors.httpError(status: head.status, head: head, body: body, endpoint: endpoint)
        }
        let contentType = head.header("content-type") ?? ""
        guard contentType.lowercased().contains("text/event-stream") else {
            let body = (try? await exchange.collect()) ?? Data()
            throw APIError(
                .upstreamFailure,
                "asked \(endpoint.description) for an event stream but the service answered with \(contentType.isEmpty ? "no content type" : contentType)",
                statusCode: head.status, requestID: ServiceErrors.errorObject(body)?["request_id"]?.stringValue)
        }
        trace("\(endpoint.description) (stream) -> \(head.status)")
        let reader = EventStreamReader(endpoint: endpoint.description, errors: errors, log: log)
        return reader.events(from: exchange)
    }

    /// Cancels every request in flight, plain and streamed.
    func shutdown() {
        transport.shutdown()
        streamTransport.shutdown()
    }

    // MARK: logging

    func trace(_ line: @autoclosure () -> String) {
        guard let log else { return }
        log("dashscope: " + errors.scrub(line()))
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = (ContinuousClock.now - start).components
        return Int(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000)
    }

    static func describe(_ duration: Duration) -> String {
        let parts = duration.components
        return "\(parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000) ms"
    }

    static func requestIDNote(_ head: HTTPResponseHead, _ body: Data) -> String {
        if let id = head.header("x-request-id") { return " (request_id \(id))" }
        if body.count < 4096, let id = (try? JSONValue.parse(body))?["request_id"]?.stringValue { return " (request_id \(id))" }
        return ""
    }
}
