import AssistantAPI
import Bridge
import Foundation
import JSONCore
import LocalEngine
import XCTest

/// Every Assistant API result carries a `request_id`, as the service's answers do: the local
/// engine returns objects without one and the bridge stamps a fresh one on each response, in one
/// place (`RequestStamped.resultJSON`). Driven through every kind of result of the local backend.
final class RequestIDStampTests: XCTestCase {
    func makeHarness() throws -> BridgeHarness {
        let model = try ScriptedChatModel(json: ["turns": [["text": "ok"]]], name: "test")
        let backend = try LocalBackend(location: .memory, model: model)
        return BridgeHarness(methods: MethodTable.assistantAPI(backends: BackendSlot(backend)))
    }

    func result(_ harness: BridgeHarness, _ method: String, _ params: JSONValue) async throws -> JSONValue {
        let reply = try await harness.call(method, params)
        guard let result = reply["result"] else {
            XCTFail("\(method) answered \(reply)")
            return .null
        }
        return result
    }

    func assertFresh(
        _ result: JSONValue, _ method: String, seen: inout Set<String>, file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let id = result["request_id"]?.stringValue, UUID(uuidString: id) != nil else {
            XCTFail("\(method): request_id \(String(describing: result["request_id"]))", file: file, line: line)
            return
        }
        XCTAssertTrue(seen.insert(id).inserted, "\(method): each response has its own request id", file: file, line: line)
    }

    func assertItemsUnstamped(_ page: JSONValue, _ method: String, file: StaticString = #filePath, line: UInt = #line) {
        guard case .array(let items)? = page["data"] else { return XCTFail("\(method): no data", file: file, line: line) }
        XCTAssertFalse(items.isEmpty, "\(method): a page with items", file: file, line: line)
        for item in items {
            XCTAssertNil(item["request_id"], "\(method): items in a list carry no request_id", file: file, line: line)
        }
    }

    func testEveryKindOfResultGetsAFreshRequestID() async throws {
        let harness = try makeHarness()
        _ = try await harness.initialize()
        var seen = Set<String>()

        let assistant = try await result(harness, "assistants/create", ["model": "qwen-max", "name": "Painter"])
        assertFresh(assistant, "assistants/create", seen: &seen)
        let assistantID = assistant["id"] ?? .null
        assertFresh(try await result(harness, "assistants/retrieve", ["assistant_id": assistantID]), "assistants/retrieve", seen: &seen)
        let assistants = try await result(harness, "assistants/list", [:])
        assertFresh(assistants, "assistants/list", seen: &seen)
        assertItemsUnstamped(assistants, "assistants/list")
        let file = try await result(harness, "assistants/files/create", ["assistant_id": assistantID, "file_id": "file-1"])
        assertFresh(file, "assistants/files/create", seen: &seen)

        let thread = try await result(harness, "threads/create", ["messages": [["role": "user", "content": "Hi"]]])
        assertFresh(thread, "threads/create", seen: &seen)
        let threadID = thread["id"] ?? .null
        let message = try await result(harness, "messages/create", ["thread_id": threadID, "role": "user", "content": "Paint."])
        assertFresh(message, "messages/create", seen: &seen)
        let messages = try await result(harness, "messages/list", ["thread_id": threadID])
        assertFresh(messages, "messages/list", seen: &seen)
        assertItemsUnstamped(messages, "messages/list")

        let run = try await result(harness, "runs/create", ["thread_id": threadID, "assistant_id": assistantID])
        assertFresh(run, "runs/create", seen: &seen)
        let runID = run["id"] ?? .null
        let waited = try await result(harness, "runs/wait", ["thread_id": threadID, "run_id": runID])
        assertFresh(waited, "runs/wait", seen: &seen)
        XCTAssertEqual(waited["status"], "completed")
        let runs = try await result(harness, "runs/list", ["thread_id": threadID])
        assertFresh(runs, "runs/list", seen: &seen)
        assertItemsUnstamped(runs, "runs/list")
        let steps = try await result(harness, "steps/list", ["thread_id": threadID, "run_id": runID])
        assertFresh(steps, "steps/list", seen: &seen)
        assertItemsUnstamped(steps, "steps/list")
        let stepID = steps["data"]?[0]?["id"] ?? .null
        assertFresh(
            try await result(harness, "steps/retrieve", ["thread_id": threadID, "run_id": runID, "step_id": stepID]),
            "steps/retrieve", seen: &seen)

        let deleted = try await result(harness, "threads/delete", ["thread_id": threadID])
        assertFresh(deleted, "threads/delete", seen: &seen)
        XCTAssertEqual(deleted["deleted"], true)
    }
}
