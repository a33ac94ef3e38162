import Bridge
import JSONCore
import JSONRPCTestSupport
import XCTest

/// The per-thread order of mutating requests, through a bridge on a real connection.
final class ThreadOrderingTests: XCTestCase {
    var harnesses: [BridgeHarness] = []

    override func tearDown() {
        for harness in harnesses { harness.pipes.finish() }
        harnesses = []
    }

    private func bridge() async throws -> BridgeHarness {
        let harness = BridgeHarness(methods: MethodTable.testing(LatchedMessageCreate.self, EchoThread.self))
        harnesses.append(harness)
        _ = try await harness.initialize()
        return harness
    }

    func testAReadOnTheThreadAnswersWhileAnEarlierChangeWaits() async throws {
        let bridge = try await bridge()
        let held = bridge.client.sendRequest("messages/create", params: ["thread_id": "thread_r", "text": "read-held"])
        let read = bridge.client.sendRequest("threads/retrieve", params: ["thread_id": "thread_r"])
        let readReply = try await bridge.client.next()
        XCTAssertEqual(readReply["id"], .int(read))
        await TestLatches.shared.open("read-held")
        let heldReply = try await bridge.client.next()
        XCTAssertEqual(heldReply["id"], .int(held))
    }

    func testPipelinedChangesAnswerInArrivalOrderAndACancelledOneLeavesTheQueue() async throws {
        let bridge = try await bridge()
        await TestLatches.shared.open("order-2")
        await TestLatches.shared.open("order-3")
        let first = bridge.client.sendRequest("messages/create", params: ["thread_id": "thread_o", "text": "order-1"])
        let second = bridge.client.sendRequest("messages/create", params: ["thread_id": "thread_o", "text": "order-2"])
        let third = bridge.client.sendRequest("messages/create", params: ["thread_id": "thread_o", "text": "order-3"])
        // Another thread is not held up by thread_o's queue.
        let elsewhere = bridge.client.sendRequest("messages/create", params: ["thread_id": "thread_p", "text": "order-2"])
        let elsewhereReply = try await bridge.client.next()
        XCTAssertEqual(elsewhereReply["id"], .int(elsewhere))
        // The second one is ready to answer but waits behind the first; cancelled, it leaves.
        bridge.client.sendNotification("$/cancelRequest", params: ["id": .int(second)])
        let cancelled = try await bridge.client.next()
        XCTAssertEqual(cancelled["id"], .int(second))
        XCTAssertEqual(cancelled["error"]?["code"], -32800)
        await TestLatches.shared.open("order-1")
        // Both answer (in either order: a response is written after its turn is over); the
        // third took effect after the first.
        let replies = [try await bridge.client.next(), try await bridge.client.next()]
        XCTAssertEqual(Set(replies.compactMap { $0["id"] }), [.int(first), .int(third)])
        let passed = await TestLatches.shared.passed.filter { $0.hasPrefix("order-") }
        XCTAssertEqual(passed, ["order-2", "order-1", "order-3"], "thread_p's order-2, then thread_o's in order")
    }
}
