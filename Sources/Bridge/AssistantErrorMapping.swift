import AssistantAPI
import AssistdSupport
import JSONCore
import JSONRPC

/// Turns the Assistant API's errors into JSON-RPC errors (protocol/README.md, "Errors").
public enum AssistantErrorMapping {
    public static func map(_ error: any Error) -> JSONRPCError? {
        guard let error = error as? APIError else { return nil }
        return jsonRPCError(for: error)
    }

    /// The error with every known secret scrubbed from its message and data: an upstream may
    /// have echoed a key, a header or a token back in its words.
    public static func jsonRPCError(for error: APIError) -> JSONRPCError {
        var mapped = unscrubbed(error)
        mapped.message = KnownSecrets.scrub(mapped.message)
        mapped.data = mapped.data.map(SecretRedaction.scrubKnownSecrets)
        return mapped
    }

    private static func unscrubbed(_ error: APIError) -> JSONRPCError {
        let code: ApplicationErrorCode
        switch error.kind {
        case .invalidParams:
            var data: JSONObject = ["param": error.param.map(JSONValue.string) ?? .null]
            if let statusCode = error.statusCode { data["status_code"] = .int(Int64(statusCode)) }
            if let serviceCode = error.code { data["code"] = .string(serviceCode) }
            data["message"] = .string(error.message)
            if let requestID = error.requestID { data["request_id"] = .string(requestID) }
            let where_ = error.param.flatMap { $0.isEmpty ? nil : "\($0): " } ?? ""
            return JSONRPCError(code: JSONRPCError.invalidParamsCode, message: "Invalid params: \(where_)\(error.message)", data: .object(data))
        case .notFound: code = .notFound
        case .unauthenticated: code = .unauthenticated
        case .rateLimited: code = .rateLimited
        case .upstreamFailure, .timeout: code = .upstreamFailure
        case .conflictingState: code = .conflictingState
        case .unsupportedByBackend: code = .unsupportedByBackend
        }
        // The local engine's errors get a request id of their own, as the service's do.
        return .application(
            code, message: error.message, statusCode: error.statusCode, serviceCode: error.code,
            requestID: error.requestID ?? ObjectID.requestID(), extra: error.details)
    }
}
