import JSONCore
import JSONRPC

/// Application error codes (JSON-RPC's server range). Every one carries `data` with the
/// service's `status_code`, `code`, `message` and `request_id` (see protocol/README.md).
public enum ApplicationErrorCode: Int, Sendable, CaseIterable {
    case notFound = -32010
    case unauthenticated = -32011
    case rateLimited = -32012
    case upstreamFailure = -32013
    case conflictingState = -32014
    case unsupportedByBackend = -32015

    /// The snake_case name used in protocol/README.md and the OpenRPC document.
    public var name: String {
        switch self {
        case .notFound: return "not_found"
        case .unauthenticated: return "unauthenticated"
        case .rateLimited: return "rate_limited"
        case .upstreamFailure: return "upstream_failure"
        case .conflictingState: return "conflicting_state"
        case .unsupportedByBackend: return "unsupported_by_backend"
        }
    }
}

extension JSONRPCError {
    /// An application error. `statusCode`, `serviceCode`, `serviceMessage` and `requestID` are the
    /// service's (or the local engine's equivalents); `extra` adds fields such as `id` (not found)
    /// or `active_run_id` (conflicting state).
    public static func application(
        _ code: ApplicationErrorCode, message: String, statusCode: Int?, serviceCode: String?,
        serviceMessage: String? = nil, requestID: String?, extra: JSONObject = [:]
    ) -> JSONRPCError {
        var data: JSONObject = [
            "status_code": statusCode.map { .int(Int64($0)) } ?? .null,
            "code": serviceCode.map(JSONValue.string) ?? .null,
            "message": .string(serviceMessage ?? message),
            "request_id": requestID.map(JSONValue.string) ?? .null,
        ]
        data.merge(extra) { _, added in added }
        return JSONRPCError(code: code.rawValue, message: message, data: .object(data))
    }
}
