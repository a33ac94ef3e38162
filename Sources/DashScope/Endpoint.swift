import AssistantAPI
import Foundation
import JSONCore

/// One call of the service's REST API: verb, path segments (joined under the base with one
/// `/` each, as the SDK does; each segment percent-escaped so an id cannot reach another
/// path), query items (sent only when set) and the JSON body.
struct Endpoint: Sendable {
    var method: String
    var path: [String]
    var query: [(name: String, value: String)] = []
    var body: JSONValue?

    static func get(_ path: String..., query: [(name: String, value: String)] = []) -> Endpoint {
        Endpoint(method: "GET", path: path, query: query)
    }

    static func post(_ path: String..., body: JSONValue?) -> Endpoint {
        Endpoint(method: "POST", path: path, body: body)
    }

    static func delete(_ path: String...) -> Endpoint {
        Endpoint(method: "DELETE", path: path)
    }

    /// Reads may be retried after a 429, a 5xx or a network failure; writes only when the
    /// request surely never reached the server.
    var isRead: Bool { method == "GET" }

    var relativePath: String {
        path.map { Self.isUnreserved($0) ? $0 : $0.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? $0 }
            .joined(separator: "/")
    }

    /// `GET threads/thread_1/runs`, for logs and error messages.
    var description: String { "\(method) \(relativePath)" }

    func url(base: String) -> URL? {
        var text = base + "/" + relativePath
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.escapeQuery($0.name))=\(Self.escapeQuery($0.value))" }.joined(separator: "&")
        }
        return URL(string: text)
    }

    private static let segmentCharacters: CharacterSet = {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return allowed
    }()

    private static let queryCharacters: CharacterSet = {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#%")
        return allowed
    }()

    private static func escapeQuery(_ text: String) -> String {
        isUnreserved(text) ? text : text.addingPercentEncoding(withAllowedCharacters: queryCharacters) ?? text
    }

    /// Letters, digits and `-._~` (every id): nothing to encode, and Foundation's encoding is slow.
    static func isUnreserved(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                return true
            default:
                return false
            }
        }
    }

    static let collectionNames: Set<String> = ["assistants", "files", "threads", "messages", "runs", "steps", "submit_tool_outputs", "cancel"]

    /// Which object a 404 is about: the path's id that the service's message names, else an
    /// object id in the message (an assistant named in a body), else the path's last id.
    func missingObjectID(serviceMessage message: String) -> String? {
        let ids = path.filter { !Self.collectionNames.contains($0) }
        if let named = ids.last(where: { message.contains($0) }) { return named }
        if let range = message.range(of: #"\b(asst|thread|message|run|step)_[0-9A-Za-z-]+"#, options: .regularExpression) {
            return String(message[range])
        }
        return ids.last
    }

    /// The query of a list call: each field the client sent, even one equal to the service's
    /// default, as the SDK sends what its caller gave (a plain list sends no query).
    static func listQuery(_ list: ListParams, extra: [(name: String, value: String)] = []) -> [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if let limit = list.requestedLimit { query.append(("limit", String(limit))) }
        if let order = list.requestedOrder { query.append(("order", order.rawValue)) }
        if let after = list.after { query.append(("after", after)) }
        if let before = list.before { query.append(("before", before)) }
        return query + extra
    }
}

/// Request bodies: the client's params object as sent, less the path ids and the bridge-only
/// keys, with the fields the SDK always sends filled in the way it fills them
/// (protocol/hosted-service.md §3), so new service fields pass through without a release.
enum RequestBody {
    static let bridgeOnlyKeys: Set<String> = ["handle_tools", "timeout_ms"]

    static func from(_ raw: JSONObject, removing pathKeys: Set<String>) -> JSONObject {
        raw.filter { !pathKeys.contains($0.key) && !bridgeOnlyKeys.contains($0.key) }
    }

    /// `Assistants.create` always sends `file_ids` (default `[]`) and `metadata` (default null).
    static func createAssistant(_ params: CreateAssistantParams) -> JSONValue {
        var body = from(params.raw, removing: [])
        if body["file_ids"] == nil { body["file_ids"] = [] }
        if body["metadata"] == nil { body["metadata"] = .null }
        return .object(body)
    }

    /// Only what the client gave. (The SDK also sends `file_ids: []` on every update, which
    /// wipes the assistant's files; that is a bug not worth copying.)
    static func updateAssistant(_ params: UpdateAssistantParams) -> JSONValue {
        .object(from(params.raw, removing: ["assistant_id"]))
    }

    /// An empty create sends the JSON string `""`, exactly as the SDK's `Threads.create()` does.
    static func createThread(_ params: CreateThreadParams) -> JSONValue {
        let body = from(params.raw, removing: [])
        return body.isEmpty ? .string("") : .object(body)
    }

    /// `{"metadata": …}` (null when not given, as the SDK always sends the key) plus any other field.
    static func updateMetadata(_ raw: JSONObject, pathKeys: Set<String>) -> JSONValue {
        var body = from(raw, removing: pathKeys)
        if body["metadata"] == nil { body["metadata"] = .null }
        return .object(body)
    }

    /// `content` and `role` (default `user`, always sent), then whatever else was given.
    static func createMessage(_ params: CreateMessageParams) -> JSONValue {
        var body = from(params.raw, removing: ["thread_id"])
        if body["role"] == nil { body["role"] = .string(params.message.role) }
        return .object(body)
    }

    /// Run create, create-thread-and-run: `stream` is always sent.
    static func run(_ raw: JSONObject, pathKeys: Set<String>, stream: Bool) -> JSONValue {
        var body = from(raw, removing: pathKeys)
        body["stream"] = .bool(stream)
        return .object(body)
    }

    /// `tool_outputs` (from the params when the bridge built them itself) and `stream`.
    static func submitToolOutputs(_ params: SubmitToolOutputsParams, stream: Bool) -> JSONValue {
        var body = from(params.raw, removing: ["thread_id", "run_id"])
        if body["tool_outputs"] == nil {
            body["tool_outputs"] = .array(params.toolOutputs.map {
                ["tool_call_id": .string($0.toolCallID), "output": .string($0.output)]
            })
        }
        body["stream"] = .bool(stream)
        return .object(body)
    }
}
