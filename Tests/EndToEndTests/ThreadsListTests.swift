import Foundation
import JSONCore
import TestSupport
import XCTest

/// `threads/list` through the binary: the local store's threads, and the hosted backend's index
/// of the threads its data dir has seen.
final class ThreadsListTests: XCTestCase {
    /// Every id of the list, page by page (`limit` 2) in `order`.
    static func allIDs(_ client: AssistdSession, order: String, metadata: JSONValue? = nil) throws -> [String] {
        var ids: [String] = []
        var after: JSONValue?
        repeat {
            var params: JSONObject = ["limit": 2, "order": .string(order)]
            if let after { params["after"] = after }
            if let metadata { params["metadata"] = metadata }
            let page = try client.call("threads/list", .object(params))
            let pageIDs = page["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            XCTAssertLessThanOrEqual(pageIDs.count, 2)
            XCTAssertEqual(page["first_id"]?.stringValue, pageIDs.first)
            XCTAssertEqual(page["last_id"]?.stringValue, pageIDs.last)
            ids += pageIDs
            after = page["has_more"] == true ? page["last_id"] : nil
        } while after != nil
        return ids
    }

    func testLocalThreadsPageInBothOrdersFilterByMetadataAndLoseTheDeleted() throws {
        let client = try AssistdSession(script: ["turns": [["text": "ok"]]])
        let assistant = try client.assistant()
        var created: [String] = []
        for index in 0..<5 {
            let team = index % 2 == 0 ? "a" : "b"
            let thread = try client.call("threads/create", ["metadata": ["team": .string(team), "n": .string("\(index)")]])
            created.append(try XCTUnwrap(thread["id"]?.stringValue))
        }
        let run = try client.call("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "thread": ["metadata": ["team": "a"], "messages": [["role": "user", "content": "hi"]]],
        ])
        created.append(try XCTUnwrap(run["thread_id"]?.stringValue))

        XCTAssertEqual(try Self.allIDs(client, order: "asc"), created)
        XCTAssertEqual(try Self.allIDs(client, order: "desc"), created.reversed())
        let firstPage = try client.call("threads/list", [:])
        XCTAssertEqual(firstPage["data"]?.arrayValue?.count, 6, "default limit 20, newest first")
        XCTAssertEqual(firstPage["data"]?.arrayValue?.first?["object"], "thread")
        XCTAssertEqual(firstPage["data"]?.arrayValue?.first?["metadata"], ["team": "a"])

        // `before` pages back towards the start; `after` and `before` together give what lies between.
        let back = try client.call("threads/list", ["order": "asc", "before": .string(created[3]), "limit": 2])
        XCTAssertEqual(back["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, [created[1], created[2]])
        XCTAssertEqual(back["has_more"], true)
        let between = try client.call("threads/list", ["order": "desc", "after": .string(created[4]), "before": .string(created[0])])
        XCTAssertEqual(between["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, [created[3], created[2], created[1]])

        XCTAssertEqual(try Self.allIDs(client, order: "asc", metadata: ["team": "a"]), [created[0], created[2], created[4], created[5]])
        XCTAssertEqual(try Self.allIDs(client, order: "desc", metadata: ["team": "a", "n": "2"]), [created[2]])
        XCTAssertEqual(try Self.allIDs(client, order: "asc", metadata: ["team": "c"]), [])
        let badFilter = try client.callError("threads/list", ["metadata": ["team": 1]])
        XCTAssertEqual(badFilter["code"], -32602)
        // A cursor outside the filtered list is refused.
        let foreignCursor = try client.callError("threads/list", ["metadata": ["team": "b"], "after": .string(created[0])])
        XCTAssertEqual(foreignCursor["data"]?["param"], "after")

        XCTAssertEqual(try client.call("threads/delete", ["thread_id": .string(created[2])])["deleted"], true)
        XCTAssertEqual(try Self.allIDs(client, order: "asc"), created.filter { $0 != created[2] })
        let deletedCursor = try client.callError("threads/list", ["after": .string(created[2])])
        XCTAssertEqual(deletedCursor["code"], -32602)
    }

    func testHostedThreadsSeenByTheDataDirAreListedAcrossARestart() throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("assistd-threads-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let fake = try FakeDashScopeServer()
        let session = try DashScopeSession(fake: fake, arguments: ["--data-dir", dataDir])
        XCTAssertNotNil(try session.initialize()["result"])
        let (assistant, first) = try session.assistantAndThread(saying: "hello")
        let tagged = try XCTUnwrap(session.call("threads/create", ["metadata": ["project": "x"]])["id"]?.stringValue)
        let run = try session.call("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "thread": ["messages": [["role": "user", "content": "hi"]]],
        ])
        let runThread = try XCTUnwrap(run["thread_id"]?.stringValue)
        let streamed = session.send("runs/createThreadAndRun", [
            "assistant_id": .string(assistant), "stream": true, "thread": ["messages": [["role": "user", "content": "hi"]]],
        ])
        let streamedThread = try XCTUnwrap(session.response(to: streamed)["result"]?["thread_id"]?.stringValue)

        // A thread created elsewhere (another data dir) is listed once a call naming it succeeds;
        // one the service does not know is not.
        let otherDir = dataDir + "-other"
        defer { try? FileManager.default.removeItem(atPath: otherDir) }
        let other = try DashScopeSession(fake: fake, arguments: ["--data-dir", otherDir])
        XCTAssertNotNil(try other.initialize()["result"])
        let foreign = try XCTUnwrap(other.call("threads/create", [:])["id"]?.stringValue)
        XCTAssertEqual(try ThreadsListTests.allIDs(other, order: "asc"), [foreign])
        XCTAssertEqual(other.finish(), 0)
        XCTAssertNotNil(try session.call("messages/create", ["thread_id": .string(foreign), "role": "user", "content": "hi"])["id"])
        XCTAssertNotNil(try session.callError("messages/list", ["thread_id": "thread_unknown"])["code"])

        var expected = [first, tagged, runThread, streamedThread, foreign]
        XCTAssertEqual(try ThreadsListTests.allIDs(session, order: "asc"), expected)
        XCTAssertEqual(try ThreadsListTests.allIDs(session, order: "desc"), expected.reversed())
        XCTAssertEqual(try ThreadsListTests.allIDs(session, order: "asc", metadata: ["project": "x"]), [tagged])
        let back = try session.call("threads/list", ["order": "asc", "before": .string(runThread)])
        XCTAssertEqual(back["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, [first, tagged])

        XCTAssertEqual(try session.call("threads/delete", ["thread_id": .string(tagged)])["deleted"], true)
        expected.removeAll { $0 == tagged }
        XCTAssertEqual(try ThreadsListTests.allIDs(session, order: "asc"), expected)
        XCTAssertEqual(session.finish(), 0)

        // The index is in the data dir: a new process on it lists the same threads.
        let restarted = try DashScopeSession(fake: fake, arguments: ["--data-dir", dataDir])
        XCTAssertNotNil(try restarted.initialize()["result"])
        XCTAssertEqual(try ThreadsListTests.allIDs(restarted, order: "asc"), expected)
        let updated = try restarted.call("threads/update", ["thread_id": .string(first), "metadata": ["project": "y"]])
        XCTAssertEqual(updated["metadata"], ["project": "y"])
        XCTAssertEqual(try ThreadsListTests.allIDs(restarted, order: "asc", metadata: ["project": "y"]), [first])
        XCTAssertEqual(restarted.finish(), 0)
    }
}
