import Bridge
import Foundation
import JSONCore
import JSONRPC
import JSONRPCTestSupport
import XCTest

final class LifecycleTests: XCTestCase {
    var harnesses: [BridgeHarness] = []

    override func tearDown() {
        for harness in harnesses { harness.pipes.finish() }
        harnesses = []
    }

    func harness(methods: MethodTable = BridgeHarness.emptyTable(), configure: (inout BridgeConfiguration) -> Void = { _ in }) -> BridgeHarness {
        let harness = BridgeHarness(methods: methods, configure: configure)
        harnesses.append(harness)
        return harness
    }

    func testInitializeAnswersServerInfoBackendAndCapabilities() async throws {
        let bridge = harness { $0.backend = ["name": "local", "model": "scripted"] }
        let reply = try await bridge.initialize()
        let result = try XCTUnwrap(reply["result"])
        XCTAssertEqual(result["protocolVersion"], "1.0")
        XCTAssertEqual(result["serverInfo"], ["name": "assistd", "version": .string(AssistdVersion.current)])
        XCTAssertEqual(result["backend"], ["name": "local", "model": "scripted"])
        XCTAssertEqual(result["capabilities"]?["streaming"], true)
        XCTAssertEqual(result["capabilities"]?["clientTools"], true)
        XCTAssertEqual(
            result["capabilities"]?["methods"],
            ["$/cancelRequest", "exit", "initialize", "initialized", "rpc.discover", "shutdown"])
    }

    func testRequestsBeforeInitializeGetServerNotInitialized() async throws {
        let bridge = harness()
        for method in ["assistants/list", "shutdown", "no/such/method"] {
            let reply = try await bridge.call(method)
            XCTAssertEqual(reply["error"]?["code"], -32002, method)
        }
        XCTAssertEqual(bridge.server.lifecycle, .awaitingInitialize)
    }

    func testDiscoverIsAllowedBeforeInitializeAndReturnsTheDocument() async throws {
        let bridge = harness()
        let reply = try await bridge.call("rpc.discover")
        XCTAssertEqual(reply["result"], OpenRPCDocument.value)
        XCTAssertEqual(reply["result"]?["openrpc"], "1.3.2")
    }

    func testRequestSentRightAfterInitializeSeesTheServerInitialized() async throws {
        let bridge = harness(methods: .testing(FixedThreadCreate.self))
        bridge.client.sendRequest("initialize", params: [:])
        bridge.client.sendRequest("threads/create", params: [:])
        var replies: [JSONValue: JSONValue] = [:]
        for _ in 0..<2 {
            let reply = try await bridge.client.next()
            replies[reply["id"]!] = reply
        }
        XCTAssertNotNil(replies[1]?["result"])
        XCTAssertEqual(replies[2]?["result"], ["id": "thread_1"])
    }

    func testInitializeTwiceIsRefused() async throws {
        let bridge = harness()
        _ = try await bridge.initialize()
        let again = try await bridge.call("initialize", [:])
        XCTAssertEqual(again["error"]?["code"], -32600)
    }

    func testInitializeWithBadParamsNamesTheField() async throws {
        let bridge = harness()
        let cases: [(JSONValue, String)] = [
            (["capabilities": "all"], "capabilities"),
            (["clientInfo": ["version": "1"]], "clientInfo.name"),
            (["clientInfo": ["name": 5]], "clientInfo.name"),
            (["processId": "12"], "processId"),
            (["capabilities": ["clientTools": "yes"]], "capabilities.clientTools"),
            ([1, 2], ""),
        ]
        for (params, path) in cases {
            let reply = try await bridge.call("initialize", params)
            XCTAssertEqual(reply["error"]?["code"], -32602, "\(params)")
            XCTAssertEqual(reply["error"]?["data"]?["param"], .string(path), "\(params)")
            XCTAssertNotNil(reply["error"]?["data"]?["message"]?.stringValue, "\(params)")
        }
        // The shape of every method's params errors.
        let missingName = try await bridge.call("initialize", ["clientInfo": ["version": "1"]])
        XCTAssertEqual(missingName["error"]?["message"], "Invalid params: clientInfo.name: is required")
        XCTAssertEqual(
            missingName["error"]?["data"],
            ["param": "clientInfo.name", "status_code": 400, "code": "InvalidParameter", "message": "is required"])
        XCTAssertEqual(bridge.server.lifecycle, .awaitingInitialize, "a refused initialize leaves the server waiting")
        let awaited1 = try await bridge.initialize(["processId": nil, "capabilities": ["clientTools": true]])
        XCTAssertNotNil(awaited1["result"])
    }

    func testUnknownAndUnregisteredMethods() async throws {
        let bridge = harness()
        _ = try await bridge.initialize()
        let unknown = try await bridge.call("threads/explode", ["thread_id": "t"])
        XCTAssertEqual(unknown["error"]?["code"], -32601)
        XCTAssertEqual(unknown["error"]?["message"], "Method not found: threads/explode")
        let unregistered = try await bridge.call("runs/create", ["thread_id": "t", "assistant_id": "a"])
        XCTAssertEqual(unregistered["error"]?["code"], -32601)
        XCTAssertEqual(unregistered["error"]?["message"], "Method not found: runs/create")
    }

    func testShutdownThenRequestsAreRefusedAndExitCodeIsZero() async throws {
        let bridge = harness()
        _ = try await bridge.initialize()
        let shutdown = try await bridge.call("shutdown")
        XCTAssertEqual(shutdown["result"], .null)
        XCTAssertTrue(shutdown.objectValue?.keys.contains("result") ?? false)
        for method in ["assistants/list", "rpc.discover", "shutdown", "initialize"] {
            let reply = try await bridge.call(method)
            XCTAssertEqual(reply["error"]?["code"], -32600, method)
        }
        bridge.client.sendNotification("exit")
        let awaited2 = try await bridge.exitCodes.next()
        XCTAssertEqual(awaited2, 0)
    }

    func testShutdownAcceptsNullParamsButNotOthers() async throws {
        let bridge = harness()
        _ = try await bridge.initialize()
        bridge.client.send(["jsonrpc": "2.0", "id": 50, "method": "shutdown", "params": ["force": true]])
        let refused = try await bridge.client.next()
        XCTAssertEqual(refused["error"]?["code"], -32602)
        bridge.client.send(["jsonrpc": "2.0", "id": 51, "method": "shutdown", "params": nil])
        let accepted = try await bridge.client.next()
        XCTAssertEqual(accepted["id"], 51)
        XCTAssertEqual(accepted["result"], .null)
    }

    func testExitWithoutShutdownGivesOne() async throws {
        let bridge = harness()
        _ = try await bridge.initialize()
        bridge.client.send(["jsonrpc": "2.0", "method": "exit", "params": nil])
        let awaited3 = try await bridge.exitCodes.next()
        XCTAssertEqual(awaited3, 1)
        XCTAssertEqual(bridge.server.exitCode, 1)
    }

    func testExitBeforeInitializeIsHonoured() async throws {
        let bridge = harness()
        bridge.client.sendNotification("exit")
        let awaited4 = try await bridge.exitCodes.next()
        XCTAssertEqual(awaited4, 1)
    }
}
