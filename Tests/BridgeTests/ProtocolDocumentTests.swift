import Bridge
import Foundation
import LocalEngine
import JSONCore
import JSONRPC
import XCTest

/// Holds the server's method table against protocol/assistd.openrpc.json.
final class ProtocolDocumentTests: XCTestCase {
    func loadDocument() throws -> JSONValue {
        let url = repositoryRoot.appendingPathComponent("protocol/assistd.openrpc.json")
        return try JSONValue.parse(Array(try Data(contentsOf: url)))
    }

    /// The table as assistd builds it (the backend is never called here).
    func serverStatuses() throws -> [String: MethodStatus] {
        let backend = try LocalBackend(location: .memory, model: UnavailableChatModel(reason: "not used"))
        var methods = MethodTable.assistantAPI()
        methods.registerAssistantAPI(backends: BackendSlot(backend))
        return BridgeServer(configuration: BridgeConfiguration(), methods: methods) { _ in }.methodStatuses
    }

    /// (name → status) of the client→server methods in the document.
    func documentStatuses(_ document: JSONValue) throws -> [String: String] {
        var statuses: [String: String] = [:]
        for method in try XCTUnwrap(document["methods"]?.arrayValue) {
            let name = try XCTUnwrap(method["name"]?.stringValue)
            let direction = try XCTUnwrap(method["x-assistd-direction"]?.stringValue, name)
            let status = try XCTUnwrap(method["x-assistd-status"]?.stringValue, name)
            XCTAssertTrue(["implemented", "planned"].contains(status), name)
            XCTAssertTrue(["client-to-server", "server-to-client"].contains(direction), name)
            if direction == "client-to-server" {
                XCTAssertNil(statuses[name], "\(name) is declared twice")
                statuses[name] = status
            }
        }
        return statuses
    }

    func testServerMethodTableMatchesTheDocument() throws {
        let documented = try documentStatuses(try loadDocument())
        let served = try serverStatuses()
        for (name, status) in served {
            XCTAssertNotNil(documented[name], "the server knows \(name) but protocol/assistd.openrpc.json does not")
            if let documentedStatus = documented[name] {
                XCTAssertEqual(documentedStatus, status.rawValue, "status of \(name)")
            }
        }
        for name in documented.keys where served[name] == nil {
            XCTFail("protocol/assistd.openrpc.json declares \(name) but the server does not know it")
        }
        XCTAssertEqual(
            Set(served.filter { $0.value == .implemented }.keys),
            Set(documented.filter { $0.value == "implemented" }.keys))
    }

    func testDocumentDeclaresEveryMethodOfTheDesign() throws {
        let document = try loadDocument()
        let names = Set(try XCTUnwrap(document["methods"]?.arrayValue).compactMap { $0["name"]?.stringValue })
        let expected = Set(AssistantAPIMethods.all + BridgeServer.builtInMethods + ["runs/event", "tools/call"])
        XCTAssertEqual(names, expected)
        XCTAssertEqual(AssistantAPIMethods.all.count, 29)
    }

    func testDocumentIsWellFormedOpenRPC() throws {
        let document = try loadDocument()
        XCTAssertEqual(document["openrpc"]?.stringValue?.hasPrefix("1."), true)
        let schemas = try XCTUnwrap(document["components"]?["schemas"]?.objectValue)
        for name in ["Assistant", "Thread", "Message", "Run", "RunStep", "List", "DeletionStatus", "ErrorData", "RunEvent"] {
            XCTAssertNotNil(schemas[name], name)
        }
        let errors = try XCTUnwrap(document["components"]?["errors"]?.objectValue)
        XCTAssertEqual(
            Set(errors.values.compactMap { $0["code"]?.intValue }),
            Set([-32602, -32800] + ApplicationErrorCode.allCases.map { Int64($0.rawValue) }))
        var references: [String] = []
        collectReferences(document, into: &references)
        XCTAssertFalse(references.isEmpty)
        for reference in references {
            let parts = reference.split(separator: "/").map(String.init)
            XCTAssertEqual(parts.first, "#", reference)
            var target: JSONValue? = document
            for part in parts.dropFirst() { target = target?[part] }
            XCTAssertNotNil(target, "dangling \(reference)")
        }
        for method in try XCTUnwrap(document["methods"]?.arrayValue) {
            let name = method["name"]?.stringValue ?? "?"
            XCTAssertEqual(method["paramStructure"], "by-name", name)
            let isNotification = ["initialized", "exit", "$/cancelRequest", "runs/event"].contains(name)
            XCTAssertEqual(method["result"] == nil, isNotification, "\(name): notifications and only they have no result")
            for param in try XCTUnwrap(method["params"]?.arrayValue, name) {
                let paramName = try XCTUnwrap(param["name"]?.stringValue)
                XCTAssertNotNil(param["schema"], "\(name).\(paramName)")
            }
        }
    }

    func testAPIParamsUseTheServiceSnakeCaseNames() throws {
        let document = try loadDocument()
        func params(_ method: String) throws -> Set<String> {
            let entry = try XCTUnwrap(document["methods"]?.arrayValue?.first { $0["name"]?.stringValue == method }, method)
            return Set(try XCTUnwrap(entry["params"]?.arrayValue).compactMap { $0["name"]?.stringValue })
        }
        XCTAssertTrue(try params("runs/create").isSuperset(of: ["thread_id", "assistant_id", "additional_instructions", "stream", "handle_tools", "truncation_strategy"]))
        XCTAssertTrue(try params("runs/createThreadAndRun").isSuperset(of: ["assistant_id", "thread", "stream", "handle_tools"]))
        XCTAssertTrue(try params("runs/submitToolOutputs").isSuperset(of: ["thread_id", "run_id", "tool_outputs", "stream", "handle_tools"]))
        XCTAssertEqual(try params("runs/wait"), ["thread_id", "run_id", "timeout_ms"])
        XCTAssertEqual(try params("messages/list"), ["thread_id", "limit", "order", "after", "before", "run_id"])
        XCTAssertEqual(try params("steps/retrieve"), ["thread_id", "run_id", "step_id"])
        XCTAssertEqual(try params("messages/update"), ["thread_id", "message_id", "metadata"])
        for method in AssistantAPIMethods.all {
            for name in try params(method) {
                XCTAssertEqual(name, name.lowercased(), "\(method).\(name) is snake_case")
                XCTAssertFalse(name.contains("-"), "\(method).\(name)")
            }
        }
    }

    func testEmbeddedDocumentIsTheProtocolFile() throws {
        let url = repositoryRoot.appendingPathComponent("protocol/assistd.openrpc.json")
        let file = try String(contentsOf: url, encoding: .utf8)
        let same = OpenRPCDocument.text.trimmingCharacters(in: .whitespacesAndNewlines)
            == file.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(same, "Sources/Bridge/EmbeddedOpenRPC.swift is stale: run protocol/embed-openrpc.sh")
    }

    func collectReferences(_ value: JSONValue, into references: inout [String]) {
        switch value {
        case .object(let object):
            if case .string(let reference)? = object["$ref"] { references.append(reference) }
            for member in object.values { collectReferences(member, into: &references) }
        case .array(let elements):
            for element in elements { collectReferences(element, into: &references) }
        default:
            break
        }
    }
}
