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

    /// The methods as assistd registers them (the backend is never called here).
    func servedMethods() throws -> Set<String> {
        let methods = MethodTable.assistantAPI(backends: BackendSlot(BridgeHarness.unusedBackend))
        return Set(BridgeServer(configuration: BridgeConfiguration(), methods: methods) { _ in }.methodNames)
    }

    /// The client→server methods of the document; each is implemented (no method is planned).
    func documentedMethods(_ document: JSONValue) throws -> Set<String> {
        var names: Set<String> = []
        for method in try XCTUnwrap(document["methods"]?.arrayValue) {
            let name = try XCTUnwrap(method["name"]?.stringValue)
            let direction = try XCTUnwrap(method["x-assistd-direction"]?.stringValue, name)
            let status = try XCTUnwrap(method["x-assistd-status"]?.stringValue, name)
            XCTAssertEqual(status, "implemented", name)
            XCTAssertTrue(["client-to-server", "server-to-client"].contains(direction), name)
            if direction == "client-to-server" {
                XCTAssertFalse(names.contains(name), "\(name) is declared twice")
                names.insert(name)
            }
        }
        return names
    }

    /// A method's params with `$ref`s to shared content descriptors resolved.
    func params(of method: JSONValue, in document: JSONValue) throws -> [JSONValue] {
        let name = method["name"]?.stringValue ?? "?"
        return try XCTUnwrap(method["params"]?.arrayValue, name).map { param in
            guard let reference = param["$ref"]?.stringValue else { return param }
            return try XCTUnwrap(resolve(reference, in: document), "\(name): dangling \(reference)")
        }
    }

    func resolve(_ reference: String, in document: JSONValue) -> JSONValue? {
        let parts = reference.split(separator: "/").map(String.init)
        guard parts.first == "#" else { return nil }
        var target: JSONValue? = document
        for part in parts.dropFirst() { target = target?[part] }
        return target
    }

    func testServerMethodTableMatchesTheDocument() throws {
        let documented = try documentedMethods(try loadDocument())
        let served = try servedMethods()
        for name in served.subtracting(documented) {
            XCTFail("the server knows \(name) but protocol/assistd.openrpc.json does not")
        }
        for name in documented.subtracting(served) {
            XCTFail("protocol/assistd.openrpc.json declares \(name) but the server does not know it")
        }
        XCTAssertEqual(served, documented)
    }

    func testDocumentDeclaresEveryMethodOfTheDesign() throws {
        let document = try loadDocument()
        let names = Set(try XCTUnwrap(document["methods"]?.arrayValue).compactMap { $0["name"]?.stringValue })
        let expected = Set(AssistantAPIMethods.names + BridgeServer.builtInMethods + ["runs/event", "tools/call"])
        XCTAssertEqual(names, expected)
        XCTAssertEqual(AssistantAPIMethods.names.count, 31)
        XCTAssertEqual(Set(AssistantAPIMethods.names).count, 31, "each method is declared once")
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
            Set([-32700, -32600, -32601, -32602, -32603, -32002, -32800] + ApplicationErrorCode.allCases.map { Int64($0.rawValue) }))
        // The binary's messages are prose; a component's message says what its code means, never
        // a bare code name a client might match on (the name is x-assistd-name).
        for (key, error) in errors {
            let message = error["message"]?.stringValue ?? ""
            XCTAssertTrue(message.contains(" "), "\(key): message \"\(message)\" reads as a code name, not prose")
            XCTAssertNotEqual(error["message"], error["x-assistd-name"], key)
        }
        var references: [String] = []
        collectReferences(document, into: &references)
        XCTAssertFalse(references.isEmpty)
        for reference in references {
            XCTAssertTrue(reference.hasPrefix("#/"), reference)
            XCTAssertNotNil(resolve(reference, in: document), "dangling \(reference)")
        }
        for method in try XCTUnwrap(document["methods"]?.arrayValue) {
            let name = method["name"]?.stringValue ?? "?"
            XCTAssertEqual(method["paramStructure"], "by-name", name)
            let isNotification = ["initialized", "exit", "$/cancelRequest", "runs/event"].contains(name)
            XCTAssertEqual(method["result"] == nil, isNotification, "\(name): notifications and only they have no result")
            for param in try params(of: method, in: document) {
                let paramName = try XCTUnwrap(param["name"]?.stringValue)
                XCTAssertNotNil(param["schema"], "\(name).\(paramName)")
            }
        }
    }

    func testAPIParamsUseTheServiceSnakeCaseNames() throws {
        let document = try loadDocument()
        func params(_ method: String) throws -> Set<String> {
            let entry = try XCTUnwrap(document["methods"]?.arrayValue?.first { $0["name"]?.stringValue == method }, method)
            return Set(try self.params(of: entry, in: document).compactMap { $0["name"]?.stringValue })
        }
        XCTAssertTrue(try params("runs/create").isSuperset(of: ["thread_id", "assistant_id", "additional_instructions", "stream", "handle_tools", "truncation_strategy"]))
        XCTAssertTrue(try params("runs/createThreadAndRun").isSuperset(of: ["assistant_id", "thread", "stream", "handle_tools"]))
        XCTAssertTrue(try params("runs/submitToolOutputs").isSuperset(of: ["thread_id", "run_id", "tool_outputs", "stream", "handle_tools"]))
        XCTAssertEqual(try params("runs/wait"), ["thread_id", "run_id", "timeout_ms"])
        XCTAssertEqual(try params("messages/list"), ["thread_id", "limit", "order", "after", "before", "run_id"])
        XCTAssertEqual(try params("steps/retrieve"), ["thread_id", "run_id", "step_id"])
        XCTAssertEqual(try params("messages/update"), ["thread_id", "message_id", "metadata"])
        for method in AssistantAPIMethods.names {
            for name in try params(method) {
                XCTAssertEqual(name, name.lowercased(), "\(method).\(name) is snake_case")
                XCTAssertFalse(name.contains("-"), "\(method).\(name)")
            }
        }
    }

    /// protocol/README.md's method table names every method of the document and, per row, every
    /// param (sampling aside; "the create fields" / "the run fields" stand for those rows' params).
    func testTheREADMEMethodTableListsEveryMethodAndParam() throws {
        let document = try loadDocument()
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("protocol/README.md"), encoding: .utf8)
        let table = readme.components(separatedBy: "## Methods")[1].components(separatedBy: "\n## ")[0]
        var rows: [String: String] = [:]
        for line in table.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard cells.count >= 3 else { continue }
            for method in backticked(cells[1]) { rows[method] = cells[2] }
        }
        let sampling: Set<String> = ["temperature", "top_p", "top_k", "max_tokens"]
        for method in try documentedMethods(document) where !["initialized", "exit", "$/cancelRequest"].contains(method) {
            guard var cell = rows[method] else {
                XCTFail("protocol/README.md's method table has no row for \(method)")
                continue
            }
            if ["initialize", "shutdown", "rpc.discover"].contains(method) { continue }
            if cell.contains("the create fields") { cell += rows["assistants/create"] ?? "" }
            if cell.contains("the run fields") { cell += rows["runs/create"] ?? "" }
            let entry = try XCTUnwrap(document["methods"]?.arrayValue?.first { $0["name"]?.stringValue == method })
            let listed = Set(backticked(cell))
            for param in try params(of: entry, in: document).compactMap({ $0["name"]?.stringValue }) where !sampling.contains(param) {
                XCTAssertTrue(listed.contains(param), "protocol/README.md: \(method)'s row does not list \(param)")
            }
        }
    }

    /// The code spans of a table cell, each to its first space (`thread {messages, metadata}` is `thread`).
    func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }
            .map { String($0.element.split(separator: " ").first ?? "") }
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
