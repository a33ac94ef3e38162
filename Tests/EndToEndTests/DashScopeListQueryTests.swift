import Foundation
import JSONCore
import TestSupport
import XCTest

/// Every list method forwards the paging the client sent, even values equal to the service's
/// defaults (the SDK sends `order=desc` when its caller gave it), and nothing it did not send.
final class DashScopeListQueryTests: XCTestCase {
    func testEveryListMethodForwardsWhatTheClientSent() throws {
        let session = try DashScopeSession()
        defer { XCTAssertEqual(session.finish(), 0) }
        XCTAssertNotNil(try session.initialize()["result"])
        let (assistant, thread) = try session.assistantAndThread(saying: "hi")
        let message = try XCTUnwrap(try session.call("messages/list", ["thread_id": .string(thread)])["data"]?[0]?["id"]?.stringValue)
        let run = try session.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)]).text("id")

        let lists: [(method: String, ids: JSONObject, path: String)] = [
            ("assistants/list", [:], "/api/v1/assistants"),
            ("assistants/files/list", ["assistant_id": .string(assistant)], "/api/v1/assistants/\(assistant)/files"),
            ("messages/list", ["thread_id": .string(thread)], "/api/v1/threads/\(thread)/messages"),
            ("messages/files/list", ["thread_id": .string(thread), "message_id": .string(message)],
             "/api/v1/threads/\(thread)/messages/\(message)/files"),
            ("runs/list", ["thread_id": .string(thread)], "/api/v1/threads/\(thread)/runs"),
            ("steps/list", ["thread_id": .string(thread), "run_id": .string(run)], "/api/v1/threads/\(thread)/runs/\(run)/steps"),
        ]
        let cases: [(paging: JSONObject, query: JSONValue)] = [
            (["limit": 2, "order": "desc"], ["limit": "2", "order": "desc"]),
            (["limit": 20], ["limit": "20"]),
            (["order": "asc", "after": "x_1"], ["order": "asc", "after": "x_1"]),
            ([:], [:]),
        ]
        for list in lists {
            for entry in cases {
                try session.fake.control("requests/clear", [:])
                let params = list.ids.merging(entry.paging) { ids, _ in ids }
                _ = try session.request(list.method, .object(params))
                let sent = try XCTUnwrap(try session.fake.requests().last, list.method)
                XCTAssertEqual(sent["path"]?.stringValue, list.path, list.method)
                XCTAssertEqual(sent["query"], entry.query, "\(list.method) \(JSONValue.object(entry.paging).serializedString())")
            }
        }
    }
}
