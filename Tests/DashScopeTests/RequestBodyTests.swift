import AssistantAPI
@testable import DashScope
import JSONCore
import XCTest

final class RequestBodyTests: XCTestCase {
    func testRunBodiesDropPathIdsAndBridgeKeysAndKeepUnknownFields() throws {
        let params = try CreateRunParams([
            "thread_id": "thread_1", "assistant_id": "asst_1", "handle_tools": true, "timeout_ms": 5,
            "enable_search": true, "truncation_strategy": ["type": "last_messages", "last_messages": 10],
        ])
        let body = RequestBody.run(params.raw, pathKeys: ["thread_id"], stream: false)
        XCTAssertEqual(body, [
            "assistant_id": "asst_1", "enable_search": true, "stream": false,
            "truncation_strategy": ["type": "last_messages", "last_messages": 10],
        ])
    }

    func testSubmitBuildsToolOutputsWhenTheBridgeMadeTheParams() {
        let params = SubmitToolOutputsParams(threadID: "t", runID: "r", toolOutputs: [ToolOutput(toolCallID: "", output: "42")], stream: true)
        XCTAssertEqual(RequestBody.submitToolOutputs(params, stream: true), [
            "tool_outputs": [["tool_call_id": "", "output": "42"]], "stream": true,
        ])
    }

    func testSDKDefaults() throws {
        XCTAssertEqual(RequestBody.createThread(try CreateThreadParams(nil)), .string(""), "Threads.create() sends \"\"")
        XCTAssertEqual(RequestBody.createAssistant(try CreateAssistantParams(["model": "m"])), [
            "model": "m", "file_ids": [], "metadata": nil,
        ])
        XCTAssertEqual(RequestBody.createMessage(try CreateMessageParams(["thread_id": "t", "content": "hi"])), [
            "content": "hi", "role": "user",
        ])
        XCTAssertEqual(RequestBody.updateMetadata(["thread_id": "t"], pathKeys: ["thread_id"]), ["metadata": nil])
        XCTAssertEqual(RequestBody.updateAssistant(try UpdateAssistantParams(["assistant_id": "a", "name": "n"])), ["name": "n"])
    }

    func testPathsAreEscapedAndQueriesSentOnlyWhenSet() {
        let endpoint = Endpoint.get("threads", "thread/../x?y", "runs", query: Endpoint.listQuery(ListParams()))
        XCTAssertEqual(endpoint.url(base: "http://h/api/v1")?.absoluteString, "http://h/api/v1/threads/thread%2F..%2Fx%3Fy/runs")
        let listed = Endpoint.get("assistants", query: Endpoint.listQuery(ListParams(limit: 5, order: .asc, after: "a b&c")))
        XCTAssertEqual(listed.url(base: "http://h/api/v1")?.absoluteString, "http://h/api/v1/assistants?limit=5&order=asc&after=a%20b%26c")
    }
}
