import JSONCore

/// An error of the Assistant API, the same for both backends. The bridge maps `kind` to a
/// JSON-RPC code (protocol/README.md); `statusCode`, `code`, `message` and `requestID` are the
/// service's own fields (or the local engine's equivalents) and travel in the error's `data`.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case invalidParams = "invalid_params"
        case notFound = "not_found"
        case unauthenticated
        case rateLimited = "rate_limited"
        case upstreamFailure = "upstream_failure"
        case conflictingState = "conflicting_state"
        case unsupportedByBackend = "unsupported_by_backend"
        case timeout
    }

    public var kind: Kind
    public var message: String
    /// The offending parameter's path (`tools[0].function.name`) for `invalidParams`.
    public var param: String?
    public var statusCode: Int?
    public var code: String?
    public var requestID: String?
    /// Extra machine-readable facts: the missing object's `id`, the `active_run_id` of a conflict…
    public var details: JSONObject

    public init(
        _ kind: Kind, _ message: String, param: String? = nil, statusCode: Int? = nil, code: String? = nil,
        requestID: String? = nil, details: JSONObject = [:]
    ) {
        self.kind = kind
        self.message = message
        self.param = param
        self.statusCode = statusCode
        self.code = code
        self.requestID = requestID
        self.details = details
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    public static func invalid(_ param: String, _ message: String) -> APIError {
        APIError(.invalidParams, message, param: param, statusCode: 400, code: "InvalidParameter")
    }

    public static func notFound(_ what: String, id: String) -> APIError {
        APIError(.notFound, "No \(what) found with id '\(id)'.", statusCode: 404, code: "NotFound", details: ["id": .string(id)])
    }

    public static func conflict(_ message: String, activeRunID: String) -> APIError {
        APIError(.conflictingState, message, statusCode: 400, code: "InvalidRequest", details: ["active_run_id": .string(activeRunID)])
    }

    public static func unsupported(_ message: String) -> APIError {
        APIError(.unsupportedByBackend, message, statusCode: 501, code: "Unsupported")
    }
}
