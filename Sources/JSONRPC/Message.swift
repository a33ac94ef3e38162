import JSONCore

/// A request from the peer: it expects exactly one response carrying `id`.
public struct IncomingRequest: Sendable {
    public let id: RequestID
    public let method: String
    /// `nil` when params were absent or `null`.
    public let params: JSONValue?

    public init(id: RequestID, method: String, params: JSONValue?) {
        self.id = id
        self.method = method
        self.params = params
    }
}

/// One JSON-RPC message read from the peer, classified by reading its keys once.
public enum IncomingMessage: Sendable {
    case request(IncomingRequest)
    case notification(method: String, params: JSONValue?)
    /// A response to one of our requests. `id` is nil when the peer could not read our id.
    case response(id: RequestID?, outcome: Result<JSONValue, JSONRPCError>)
}

/// A JSON value that is not a valid message. `id` is set when it could be read, so the error
/// response can carry it; otherwise the response carries `id: null`.
public struct InvalidMessage: Error, Sendable {
    public let id: RequestID?
    public let error: JSONRPCError
}

extension IncomingMessage {
    public static func decode(_ value: JSONValue) -> Result<IncomingMessage, InvalidMessage> {
        guard case .object(let object) = value else {
            return .failure(InvalidMessage(id: nil, error: .invalidRequest("a message must be a JSON object, got \(value.typeName)")))
        }
        let idValue = object["id"]
        let id = idValue.flatMap(RequestID.init(json:))
        func invalid(_ detail: String) -> Result<IncomingMessage, InvalidMessage> {
            .failure(InvalidMessage(id: id, error: .invalidRequest(detail)))
        }
        guard object["jsonrpc"] == .string("2.0") else { return invalid("'jsonrpc' must be \"2.0\"") }

        if let methodValue = object["method"] {
            guard case .string(let method) = methodValue else {
                return invalid("'method' must be a string, got \(methodValue.typeName)")
            }
            if object["result"] != nil || object["error"] != nil {
                return invalid("a request cannot carry 'result' or 'error'")
            }
            let params: JSONValue?
            switch object["params"] {
            case nil, .null?: params = nil
            case .object?, .array?: params = object["params"]
            case let other?: return invalid("'params' must be an object or an array, got \(other.typeName)")
            }
            guard let idValue else { return .success(.notification(method: method, params: params)) }
            guard let id else { return invalid("'id' must be an integer or a string, got \(describe(idValue))") }
            return .success(.request(IncomingRequest(id: id, method: method, params: params)))
        }

        // No method: a response to one of our requests.
        guard let idValue else { return invalid("a message needs 'method' (request) or 'id' (response)") }
        if id == nil && !idValue.isNull {
            return invalid("'id' must be an integer or a string, got \(describe(idValue))")
        }
        switch (object["result"], object["error"]) {
        case (let result?, nil):
            return .success(.response(id: id, outcome: .success(result)))
        case (nil, let errorValue?):
            guard let error = JSONRPCError(json: errorValue) else {
                return invalid("'error' must be an object with an integer 'code' and a string 'message'")
            }
            return .success(.response(id: id, outcome: .failure(error)))
        case (nil, nil):
            return invalid("a response needs 'result' or 'error'")
        case (.some, .some):
            return invalid("a response cannot carry both 'result' and 'error'")
        }
    }

    private static func describe(_ value: JSONValue) -> String {
        if case .double = value { return "a non-integer number" }
        return value.typeName
    }
}

/// A message we write.
public enum OutgoingMessage: Sendable {
    case request(id: RequestID, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    case response(id: RequestID?, outcome: Result<JSONValue, JSONRPCError>)

    public var json: JSONValue {
        var object: JSONObject = ["jsonrpc": "2.0"]
        switch self {
        case .request(let id, let method, let params):
            object["id"] = id.json
            object["method"] = .string(method)
            if let params { object["params"] = params }
        case .notification(let method, let params):
            object["method"] = .string(method)
            if let params { object["params"] = params }
        case .response(let id, let outcome):
            object["id"] = id?.json ?? .null
            switch outcome {
            case .success(let result): object["result"] = result
            case .failure(let error): object["error"] = error.json
            }
        }
        return .object(object)
    }
}
