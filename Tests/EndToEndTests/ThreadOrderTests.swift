import Foundation
import JSONCore
import XCTest

/// Pipelined requests that change one thread take effect in the order they were sent.
final class ThreadOrderTests: XCTestCase {
    func testAThousandPipelinedMessagesInOneWriteAreStoredInSendOrder() throws {
        let client = try AssistdSession(script: ["turns": [["text": "unused"]]])
        let thread = try client.thread("first")
        let count = 1000
        var bytes: [UInt8] = []
        for index in 0..<count {
            let request: JSONValue = [
                "jsonrpc": "2.0", "id": .string("m\(index)"), "method": "messages/create",
                "params": ["thread_id": .string(thread), "role": "user", "content": .string("message \(index)")],
            ]
            bytes += request.serialized() + [UInt8(ascii: "\n")]
        }
        client.process.write(raw: bytes)
        for index in 0..<count {
            let reply = try client.response(to: .string("m\(index)"))
            XCTAssertNil(reply["error"], "message \(index): \(reply.serializedString())")
        }
        var texts: [String] = []
        var after: JSONValue?
        repeat {
            var params: JSONObject = ["thread_id": .string(thread), "order": "asc", "limit": 100]
            if let after { params["after"] = after }
            let page = try client.call("messages/list", .object(params))
            texts += page["data"]?.arrayValue?.compactMap(\.messageText) ?? []
            after = page["has_more"] == true ? page["last_id"] : nil
        } while after != nil
        XCTAssertEqual(texts, ["first"] + (0..<count).map { "message \($0)" })
    }

    /// A message then a streamed run, pipelined: the run sees the message, a read on another
    /// thread is answered while the run streams, and a message sent after the run is refused at
    /// once (the run held its thread's turn only until it was created).
    func testARunWaitsForTheMessageBeforeItButNotTheOtherWayRound() throws {
        let client = try AssistdSession(script: ["turns": [["text": "slow answer", "chunks": 4, "delay_ms": 400]]])
        let assistant = try client.assistant()
        let thread = try client.thread("hello")
        let other = try client.thread("elsewhere")
        let message = client.send("messages/create", ["thread_id": .string(thread), "role": "user", "content": "before the run"])
        let run = client.send("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant), "stream": true])
        let read = client.send("threads/retrieve", ["thread_id": .string(other)])
        let late = client.send("messages/create", ["thread_id": .string(thread), "role": "user", "content": "during the run"])

        XCTAssertNil(try client.response(to: message)["error"])
        XCTAssertEqual(try client.response(to: read)["result"]?["id"]?.stringValue, other)
        let refused = try client.response(to: late)
        XCTAssertEqual(refused["error"]?["code"], -32014, refused.serializedString())
        let responses = client.log.filter { $0["method"] == nil }.compactMap { $0["id"] }
        XCTAssertFalse(responses.contains(run), "the run answered before the read and the late message")

        let runReply = try client.reply(to: run)
        XCTAssertEqual(runReply.result?["status"], "completed")
        let texts = try client.messages(thread).compactMap(\.messageText)
        XCTAssertEqual(texts, ["hello", "before the run", "slow answer"])
    }
}
