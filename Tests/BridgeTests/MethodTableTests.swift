import Bridge
import Foundation
import JSONCore
import JSONRPC
import JSONRPCTestSupport
import XCTest

final class MethodTableTests: XCTestCase {
    var harnesses: [BridgeHarness] = []

    override func tearDown() {
        for harness in harnesses { harness.pipes.finish() }
        harnesses = []
    }

    func initializedHarness(_ methods: MethodTable, configure: (inout BridgeConfiguration) -> Void = { _ in }) async throws -> BridgeHarness {
        let harness = BridgeHarness(methods: methods, configure: configure)
        harnesses.append(harness)
        _ = try await harness.initialize(["capabilities": ["clientTools": true]])
        return harness
    }

    func testRegisteredHandlerGetsParamsAndContext() async throws {
        let methods = MethodTable.testing(EchoThread.self)
        let bridge = try await initializedHarness(methods)
        let reply = try await bridge.call("threads/retrieve", ["thread_id": "thread_9"])
        XCTAssertEqual(reply["result"], ["id": "thread_9", "asked_by": 2, "tools": true])
        XCTAssertTrue(bridge.server.methodNames.contains("threads/retrieve"))
        let missing = try await bridge.call("threads/retrieve", [:])
        XCTAssertEqual(missing["error"]?["code"], -32602)
        XCTAssertEqual(missing["error"]?["data"]?["param"], "thread_id")
        // The shape of every params error, whatever the configured error mapper.
        XCTAssertEqual(
            missing["error"]?["data"],
            ["param": "thread_id", "status_code": 400, "code": "InvalidParameter", "message": "is required"])
    }

    func testRunEventsArePrecedingTheResponseNumberedFromZero() async throws {
        let methods = MethodTable.testing(FiveEventRun.self)
        let bridge = try await initializedHarness(methods)
        let id = bridge.client.sendRequest("runs/create", params: ["stream": true])
        var events: [JSONValue] = []
        while true {
            let message = try await bridge.client.next()
            if message["id"] != nil {
                XCTAssertEqual(message["result"], ["status": "completed", "events": 5])
                break
            }
            XCTAssertEqual(message["method"], "runs/event")
            events.append(message["params"]!)
        }
        XCTAssertEqual(events.map { $0["request"] }, Array(repeating: .int(id), count: 5))
        XCTAssertEqual(events.map { $0["seq"] }, [0, 1, 2, 3, 4])
        XCTAssertEqual(events.map { $0["event"] }, ["thread.run.created", "thread.message.delta", "thread.message.delta", "thread.message.delta", "done"])
        XCTAssertEqual(events.last?["data"], .null)
    }

    func testServerToClientRequestThroughTheContext() async throws {
        let methods = MethodTable.testing(ToolAskingRun.self)
        let bridge = try await initializedHarness(methods)
        bridge.client.sendRequest("runs/create", params: [:])
        let call = try await bridge.client.next()
        XCTAssertEqual(call["method"], "tools/call")
        XCTAssertEqual(call["id"], "s1")
        bridge.client.send(["jsonrpc": "2.0", "id": "s1", "result": ["output": "4"]])
        let awaited1 = try await bridge.client.next()
        XCTAssertEqual(awaited1["result"], ["tool_output": ["output": "4"]])
    }

    func testDomainErrorsGoThroughTheErrorMapper() async throws {
        let methods = MethodTable.testing(MissingThread.self, UnmappedFailure.self)
        let bridge = try await initializedHarness(methods) {
            $0.errorMapper = { error in
                guard let missing = error as? MissingThread.Missing else { return nil }
                return .application(
                    .notFound, message: "No thread found with id '\(missing.id)'.", statusCode: 404, serviceCode: "NotFound",
                    requestID: "req-1", extra: ["id": .string(missing.id)])
            }
        }
        let notFound = try await bridge.call("threads/retrieve", ["thread_id": "thread_x"])
        XCTAssertEqual(notFound["error"]?["code"], -32010)
        XCTAssertEqual(notFound["error"]?["data"], [
            "status_code": 404, "code": "NotFound", "message": "No thread found with id 'thread_x'.",
            "request_id": "req-1", "id": "thread_x",
        ])
        let unmapped = try await bridge.call("threads/delete", ["thread_id": "t"])
        XCTAssertEqual(unmapped["error"]?["code"], -32603)
    }

    func testCancellingARegisteredMethodAnswersRequestCancelled() async throws {
        let methods = MethodTable.testing(EndlessWait.self)
        let bridge = try await initializedHarness(methods)
        let id = bridge.client.sendRequest("runs/wait", params: [:])
        bridge.client.sendNotification("$/cancelRequest", params: ["id": .int(id)])
        let reply = try await bridge.client.next()
        XCTAssertEqual(reply["id"], .int(id))
        XCTAssertEqual(reply["error"]?["code"], -32800)
    }

    func testApplicationErrorCodesAreTheDocumentedOnes() {
        XCTAssertEqual(
            ApplicationErrorCode.allCases.map { "\($0.rawValue) \($0.name)" },
            ["-32010 not_found", "-32011 unauthenticated", "-32012 rate_limited", "-32013 upstream_failure",
             "-32014 conflicting_state", "-32015 unsupported_by_backend"])
        let error = JSONRPCError.application(.rateLimited, message: "Slow down", statusCode: 429, serviceCode: "Throttling.RateQuota", requestID: nil)
        XCTAssertEqual(error.data, ["status_code": 429, "code": "Throttling.RateQuota", "message": "Slow down", "request_id": nil])
    }
}
