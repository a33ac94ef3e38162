import AssistantAPI
import AssistdSupport
import Foundation
import HTTPStreaming
import JSONCore

/// Turns what the service (or the network) said into the `APIError` both backends share,
/// keeping the service's `status_code`, `code`, `message` and `request_id`. Every message
/// is scrubbed of the key and every other known secret: a service or proxy may echo the
/// request's headers or body back.
struct ServiceErrors {
    let key: APIKey

    func scrub(_ text: String) -> String {
        KnownSecrets.scrub(key.redact(text))
    }

    /// An HTTP error response of `endpoint`; a not-found names the missing object's id (`details.id`),
    /// as the local backend's does.
    func httpError(status: Int, head: HTTPResponseHead, body: Data, endpoint: Endpoint) -> APIError {
        var error = httpError(status: status, head: head, body: body, what: endpoint.description)
        if error.kind == .notFound, let id = endpoint.missingObjectID(serviceMessage: error.message) {
            error.details["id"] = .string(id)
        }
        return error
    }

    /// An HTTP error response: `{code, message, request_id}` JSON, an SSE error event, or any text.
    func httpError(status: Int, head: HTTPResponseHead, body: Data, what: String) -> APIError {
        var code: String?
        var message: String?
        var requestID: String?
        var param: String?
        if let object = Self.errorObject(body) {
            code = object["code"]?.stringValue
            message = object["message"]?.stringValue ?? object["msg"]?.stringValue
            requestID = object["request_id"]?.stringValue
            param = object["param"]?.stringValue
        } else if !body.isEmpty {
            // Scrubbed before it is cut, so a cut never leaves half a secret.
            message = String(scrub(String(decoding: body, as: UTF8.self)).prefix(500))
        }
        requestID = requestID ?? head.header("x-request-id") ?? head.header("x-dashscope-request-id")
        let text = scrub(message.map { $0.isEmpty ? "HTTP \(status) from DashScope for \(what)" : $0 } ?? "HTTP \(status) from DashScope for \(what)")
        var error = APIError(Self.kind(status: status, code: code, message: text), text, statusCode: status, code: code, requestID: requestID)
        switch error.kind {
        case .invalidParams:
            error.param = param ?? "body"
        case .conflictingState:
            if let runID = Self.activeRunID(in: text) { error.details["active_run_id"] = .string(runID) }
        case .rateLimited:
            if let retryAfter = head.header("retry-after") { error.details["retry_after"] = .string(retryAfter) }
        default: break
        }
        return error
    }

    /// An `event:error` in a stream; its status comes from a `status:` line, when one came.
    func streamError(_ event: SSEEvent, eventsBefore: Int) -> APIError {
        let object = try? JSONValue.parse(event.data)
        let code = object?["code"]?.stringValue
        let message = scrub(object?["message"]?.stringValue ?? event.dataString)
        let requestID = object?["request_id"]?.stringValue
        let kind: APIError.Kind =
            if let status = event.status { Self.kind(status: status, code: code, message: message) } else { Self.kind(code: code) }
        return APIError(
            kind, "the service reported an error mid-stream after \(eventsBefore) events: \(message)",
            statusCode: event.status, code: code, requestID: requestID)
    }

    /// A failure below HTTP, said in words (DNS, refused, TLS, timeout, lost connection).
    func transportError(_ error: TransportError, what: String) -> APIError {
        APIError(.upstreamFailure, scrub("\(what): \(error.message)"), code: Self.transportCode(error.kind))
    }

    static func transportCode(_ kind: TransportError.Kind) -> String {
        switch kind {
        case .dns: return "DNSFailure"
        case .refused: return "ConnectionRefused"
        case .tls: return "TLSFailure"
        case .timeout: return "Timeout"
        case .connectionLost: return "ConnectionLost"
        case .other: return "NetworkError"
        }
    }

    static func kind(status: Int, code: String?, message: String) -> APIError.Kind {
        switch status {
        case 400:
            return isActiveRunConflict(message) ? .conflictingState : .invalidParams
        case 401, 403: return .unauthenticated
        case 404: return .notFound
        case 409: return .conflictingState
        case 429: return .rateLimited
        case 408, 500...599: return .upstreamFailure
        case 400..<500: return .invalidParams
        default: return .upstreamFailure
        }
    }

    /// For an error event without a status: judged by the service's code.
    static func kind(code: String?) -> APIError.Kind {
        guard let code else { return .upstreamFailure }
        if code == "InvalidApiKey" || code == "AccessDenied" { return .unauthenticated }
        if code.hasPrefix("Throttling") { return .rateLimited }
        if code == "NotFound" || code == "ModelNotFound" { return .notFound }
        if code == "InvalidParameter" { return .invalidParams }
        return .upstreamFailure
    }

    static func isActiveRunConflict(_ message: String) -> Bool {
        message.range(of: "active run", options: .caseInsensitive) != nil
    }

    /// `run_…` named in a conflict message.
    static func activeRunID(in message: String) -> String? {
        guard let range = message.range(of: #"run_[0-9A-Za-z-]+"#, options: .regularExpression) else { return nil }
        return String(message[range])
    }

    /// The error object of a JSON body, or of the first `data:` line of an SSE body.
    static func errorObject(_ body: Data) -> JSONObject? {
        if let object = (try? JSONValue.parse(body))?.objectValue { return object }
        var parser = SSEParser()
        let events = parser.feed(body) + parser.finish()
        for event in events {
            if let object = (try? JSONValue.parse(event.data))?.objectValue { return object }
        }
        return nil
    }
}
