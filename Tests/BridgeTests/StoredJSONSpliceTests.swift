import AssistantAPI
import Bridge
import Foundation
import JSONCore
import LocalEngine
import XCTest

/// `messages/list` and `messages/retrieve` on the local backend splice each message's stored JSON
/// into the response instead of decoding and encoding it. The answer must be the one the decoded page gives
/// (`ListPage<Message>` written as a tree, the path every other list takes), member for member,
/// for messages stored every way the engine stores them: created by a client (with metadata,
/// several parts), updated, written by a run (streamed text rewritten in SQLite, then the
/// completed message), and through every cursor and filter.
final class StoredJSONSpliceTests: XCTestCase {
    func testSplicedListsAnswerWhatTheDecodedPagesAnswer() async throws {
        let model = try ScriptedChatModel(
            json: ["turns": [["text": "Streamed \"reply\" with\nescapes, ünïcode and 😀.", "chunks": 5]]], name: "test")
        let backend = try LocalBackend(location: .memory, model: model)
        let harness = BridgeHarness(methods: MethodTable.assistantAPI(backends: BackendSlot(backend)))
        _ = try await harness.initialize()
        func result(_ method: String, _ params: JSONValue) async throws -> JSONValue {
            let reply = try await harness.call(method, params)
            return try XCTUnwrap(reply["result"], "\(method) answered \(reply)")
        }

        let assistant = try await result("assistants/create", ["model": "test", "name": "Splice"])
        let thread = try await result("threads/create", ["messages": [["role": "user", "content": "First"]]])
        let threadID = try XCTUnwrap(thread["id"]?.stringValue)
        let created = try await result("messages/create", [
            "thread_id": .string(threadID), "role": "user", "metadata": ["k": "v", "empty": ""],
            "content": [["type": "text", "text": "part one"], ["type": "text", "text": "part two \u{7}"]],
        ])
        _ = try await result("messages/update", [
            "thread_id": .string(threadID), "message_id": created["id"] ?? .null, "metadata": ["k": "changed"],
        ])
        let run = try await result("runs/create", ["thread_id": .string(threadID), "assistant_id": assistant["id"] ?? .null])
        let finished = try await result("runs/wait", ["thread_id": .string(threadID), "run_id": run["id"] ?? .null])
        XCTAssertEqual(finished["status"], "completed")
        _ = try await result("messages/create", ["thread_id": .string(threadID), "role": "user", "content": "Last"])

        let all = try await backend.listMessages(ListMessagesParams(["thread_id": .string(threadID), "order": "asc"]))
        XCTAssertEqual(all.data.count, 4)
        let ids = all.data.map(\.id)
        let runID = try XCTUnwrap(run["id"]?.stringValue)
        let queries: [JSONValue] = [
            ["thread_id": .string(threadID)],
            ["thread_id": .string(threadID), "order": "asc", "limit": 2],
            ["thread_id": .string(threadID), "after": .string(ids[1]), "order": "asc"],
            ["thread_id": .string(threadID), "before": .string(ids[2]), "limit": 1],
            ["thread_id": .string(threadID), "run_id": .string(runID)],
            ["thread_id": .string(threadID), "after": .string(ids[0]), "order": "desc"],
        ]
        for query in queries {
            let spliced = try await result("messages/list", query)
            let decoded = try await backend.listMessages(ListMessagesParams(query))
            var expected = try decoded.resultJSON()
            var answered = spliced
            XCTAssertNotNil(answered["request_id"]?.stringValue, "\(query): stamped")
            expected = Self.withoutRequestID(expected)
            answered = Self.withoutRequestID(answered)
            XCTAssertEqual(answered, expected, "\(query)")
        }
        // messages/retrieve splices the stored message with its unset keys as nulls: the same
        // members as the decoded message's wire JSON.
        for message in all.data {
            let spliced = try await result("messages/retrieve", ["thread_id": .string(threadID), "message_id": .string(message.id)])
            XCTAssertNotNil(spliced["request_id"]?.stringValue, "\(message.id): stamped")
            let decoded = try await backend.retrieveMessage(threadID: threadID, messageID: message.id)
            XCTAssertEqual(Self.withoutRequestID(spliced), Self.withoutRequestID(try decoded.resultJSON()), message.id)
        }
        let missing = try await harness.call("messages/retrieve", ["thread_id": .string(threadID), "message_id": "message_none"])
        XCTAssertNotNil(missing["error"], "a missing message is an error")
        // The run's message was stored as streamed text first (rewritten in SQLite), then whole.
        let runPage = try await result("messages/list", ["thread_id": .string(threadID), "run_id": .string(runID)])
        XCTAssertEqual(
            runPage["data"]?[0]?["content"]?[0]?["text"]?["value"], "Streamed \"reply\" with\nescapes, ünïcode and 😀.")
    }

    /// In a batch the spliced result is taken parsed into the batch's array: the same members.
    func testASplicedResultInABatchIsTheSameResult() async throws {
        let backend = try LocalBackend(location: .memory, model: UnavailableChatModel(reason: "not used"))
        let harness = BridgeHarness(methods: MethodTable.assistantAPI(backends: BackendSlot(backend)))
        _ = try await harness.initialize()
        let thread = try await harness.call("threads/create", ["messages": [["role": "user", "content": "Hi"]]])
        let threadID = try XCTUnwrap(thread["result"]?["id"])
        harness.client.send(.array([
            ["jsonrpc": "2.0", "id": 100, "method": "messages/list", "params": ["thread_id": threadID]],
            ["jsonrpc": "2.0", "id": 101, "method": "messages/list", "params": ["thread_id": threadID]],
        ]))
        let replies = try await harness.client.next()
        let items = try XCTUnwrap(replies.arrayValue)
        XCTAssertEqual(items.count, 2)
        let decoded = try await backend.listMessages(ListMessagesParams(["thread_id": threadID]))
        for reply in items {
            XCTAssertEqual(Self.withoutRequestID(reply["result"] ?? .null), Self.withoutRequestID(try decoded.resultJSON()))
        }
    }

    static func withoutRequestID(_ value: JSONValue) -> JSONValue {
        guard case .object(var object) = value else { return value }
        object["request_id"] = nil
        return .object(object)
    }
}
