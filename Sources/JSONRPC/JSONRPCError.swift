import JSONCore

/// A JSON-RPC error object: what goes in a response's `error` member.
public struct JSONRPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "JSON-RPC error \(code): \(message)" }

    public var json: JSONValue {
        var object: JSONObject = ["code": .int(Int64(code)), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    /// Reads an error object; `nil` when `code` is not an integer or `message` not a string.
    public init?(json: JSONValue) {
        guard let code = json["code"]?.intValue, let message = json["message"]?.stringValue else { return nil }
        self.init(code: Int(code), message: message, data: json["data"])
    }
}

extension JSONRPCError {
    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603
    public static let serverNotInitializedCode = -32002
    public static let requestCancelledCode = -32800

    public static func parseError(_ detail: String, data: JSONValue? = nil) -> JSONRPCError {
        JSONRPCError(code: parseErrorCode, message: "Parse error: \(detail)", data: data)
    }

    public static func invalidRequest(_ detail: String, data: JSONValue? = nil) -> JSONRPCError {
        JSONRPCError(code: invalidRequestCode, message: "Invalid request: \(detail)", data: data)
    }

    public static func methodNotFound(_ method: String, detail: String? = nil) -> JSONRPCError {
        JSONRPCError(
            code: methodNotFoundCode,
            message: detail ?? "Method not found: \(method)",
            data: ["method": .string(method)])
    }

    /// Bad params. `path` names the offending field ("thread.messages[0].role"); "" means params itself.
    /// `data` has the one shape of every -32602 (protocol/README.md, "Errors"): the field's path,
    /// what is wrong, and the service's 400 / `InvalidParameter`.
    public static func invalidParams(_ detail: String, path: String) -> JSONRPCError {
        JSONRPCError(
            code: invalidParamsCode, message: "Invalid params: \(detail)",
            data: ["param": .string(path), "message": .string(detail), "status_code": 400, "code": "InvalidParameter"])
    }

    public static func internalError(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: internalErrorCode, message: "Internal error: \(detail)")
    }

    public static func serverNotInitialized(_ method: String) -> JSONRPCError {
        JSONRPCError(
            code: serverNotInitializedCode,
            message: "Server not initialized: send 'initialize' before '\(method)'")
    }

    /// The server ended the request's stream: the client read nothing for `seconds` while
    /// events waited (`--stalled-client-timeout`).
    public static func streamEndedForStalledClient(_ id: RequestID, seconds: Double) -> JSONRPCError {
        JSONRPCError(
            code: requestCancelledCode,
            message: "Request \(id) was cancelled: the client read no output for \(seconds) s while its events waited",
            data: ["reason": "client_stalled", "stalled_seconds": .double(seconds)])
    }

    public static func requestCancelled(_ id: RequestID) -> JSONRPCError {
        JSONRPCError(code: requestCancelledCode, message: "Request \(id) was cancelled")
    }
}
