import Foundation
import JSONCore
import XCTest

/// Checks real messages of the binary against protocol/assistd.openrpc.json: a result against
/// its method's `result` schema, an error against an error component the method declares (or a
/// protocol-level one) and that component's `data` schema, a `runs/event` against its params and
/// the schema `x-assistd-event-data` names for the event, a `tools/call` against its params. It
/// counts what it saw, so a test can require every method and every error code to be covered.
final class ProtocolSchemaChecker {
    let document: JSONValue
    let validator: SchemaValidator
    let methods: [String: JSONValue]
    /// Methods whose successful result was checked; error codes checked; event names checked.
    private(set) var checkedResults: Set<String> = []
    private(set) var checkedErrorCodes: Set<Int64> = []
    private(set) var checkedEvents: Set<String> = []
    private(set) var checkedToolCalls = 0
    private(set) var problems: [String] = []

    /// Codes any request may get, whatever its method declares (protocol/README.md, "Errors").
    static let protocolLevelCodes: Set<Int64> = [-32700, -32600, -32601, -32603, -32002]

    init() throws {
        let url = AssistdBinary.repositoryRoot.appendingPathComponent("protocol/assistd.openrpc.json")
        document = try JSONValue.parse(Array(try Data(contentsOf: url)))
        validator = SchemaValidator(document: document)
        var methods: [String: JSONValue] = [:]
        for method in document["methods"]?.arrayValue ?? [] {
            if let name = method["name"]?.stringValue { methods[name] = method }
        }
        self.methods = methods
    }

    /// The client→server methods that answer (all but the notifications).
    var requestMethods: Set<String> {
        Set(methods.values.filter { $0["x-assistd-direction"] == "client-to-server" && $0["result"] != nil }.compactMap { $0["name"]?.stringValue })
    }

    var componentErrorCodes: Set<Int64> {
        Set((document["components"]?["errors"]?.objectValue ?? [:]).values.compactMap { $0["code"]?.intValue })
    }

    // MARK: checks

    /// A response to a request of `method` (nil when the request's id could not be read).
    func checkResponse(_ response: JSONValue, method: String?) {
        let label = "\(method ?? "(no method)") → \(SchemaValidator.excerpt(response))"
        if let result = response["result"] {
            guard let method, let schema = methods[method]?["result"]?["schema"] else {
                return note("\(label): a result for a method the document does not answer")
            }
            report(validator.problems(result, schema), label)
            checkedResults.insert(method)
        } else if let error = response["error"] {
            checkError(error, method: method, label: label)
        } else {
            note("\(label): neither result nor error")
        }
    }

    func checkError(_ error: JSONValue, method: String?, label: String) {
        guard let code = error["code"]?.intValue else { return note("\(label): an error without an integer code") }
        guard let message = error["message"]?.stringValue, !message.isEmpty else { return note("\(label): an error without a message") }
        var declared = Self.protocolLevelCodes.contains(code)
        if let method, let references = methods[method]?["errors"]?.arrayValue {
            declared = declared || references.contains { reference in
                (reference["$ref"]?.stringValue.flatMap(validator.resolve) ?? reference)["code"]?.intValue == code
            }
        }
        if !declared { note("\(label): error \(code) is not among the errors the document gives \(method ?? "any message")") }
        guard let component = component(code: code) else { return note("\(label): no error component has code \(code)") }
        if component["x-assistd-name"]?.stringValue == message { note("\(label): the message is the bare code name") }
        if let dataSchema = component["data"] {
            if let data = error["data"] {
                report(validator.problems(data, dataSchema, at: "$.data"), label)
            } else if component["data"]?["required"] != nil || component["data"]?["$ref"] != nil {
                note("\(label): error \(code) has no data, which its component describes")
            }
        }
        checkedErrorCodes.insert(code)
    }

    /// The params of one `runs/event` notification.
    func checkEvent(_ params: JSONValue) {
        let label = "runs/event \(SchemaValidator.excerpt(params))"
        guard let method = methods["runs/event"] else { return note("the document has no runs/event") }
        report(validator.problems(params, paramsSchema(method)), label)
        report(validator.problems(params, ["$ref": "#/components/schemas/RunEvent"]), label + " (RunEvent)")
        guard let event = params["event"]?.stringValue else { return }
        guard let dataSchema = eventDataSchema(event, in: method) else {
            return note("\(label): x-assistd-event-data gives no schema for '\(event)'")
        }
        report(validator.problems(params["data"] ?? .null, dataSchema, at: "$.data"), label)
        checkedEvents.insert(event)
    }

    /// A server→client `tools/call` request (the whole message).
    func checkToolCall(_ message: JSONValue) {
        let label = "tools/call \(SchemaValidator.excerpt(message))"
        guard let method = methods["tools/call"] else { return note("the document has no tools/call") }
        report(validator.problems(message["params"] ?? .null, paramsSchema(method)), label)
        checkedToolCalls += 1
    }

    // MARK: the document

    /// A by-name method's params as one object schema; no member it does not list.
    func paramsSchema(_ method: JSONValue) -> JSONValue {
        var properties: JSONObject = [:]
        var required: [JSONValue] = []
        for entry in method["params"]?.arrayValue ?? [] {
            let param = entry["$ref"]?.stringValue.flatMap(validator.resolve) ?? entry
            guard let name = param["name"]?.stringValue else { continue }
            properties[name] = param["schema"] ?? .bool(true)
            if param["required"] == .bool(true) { required.append(.string(name)) }
        }
        return ["type": "object", "properties": .object(properties), "required": .array(required), "additionalProperties": false]
    }

    /// The first entry of `x-assistd-event-data` that names the event (`*` ends a prefix);
    /// `null` entries mean the data is null.
    func eventDataSchema(_ event: String, in method: JSONValue) -> JSONValue? {
        guard case .object(let table) = method["x-assistd-event-data"] ?? .null else { return nil }
        let exact = table[event]
        let prefixed = table.filter { $0.key.hasSuffix("*") && event.hasPrefix(String($0.key.dropLast())) }
            .max { $0.key.count < $1.key.count }?.value
        guard let entry = exact ?? prefixed else { return nil }
        if entry.isNull { return ["type": "null"] }
        return entry.stringValue.map { ["$ref": .string($0)] }
    }

    func component(code: Int64) -> JSONValue? {
        document["components"]?["errors"]?.objectValue?.values.first { $0["code"]?.intValue == code }
    }

    private func report(_ found: [String], _ label: String) {
        for problem in found { note("\(label): \(problem)") }
    }

    private func note(_ problem: String) {
        problems.append(problem)
    }
}
