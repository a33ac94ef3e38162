import AssistantAPI
@testable import DashScope
import Foundation
import XCTest

/// The hosted backend's index of the threads a data dir has seen (`hosted-threads.jsonl`).
final class HostedThreadIndexTests: XCTestCase {
    var directory: String!

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("threads-index-\(UUID().uuidString)").path
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func lines() throws -> [String] {
        let text = try String(contentsOfFile: directory + "/" + HostedThreadIndex.fileName, encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }

    func testThreadsAreListedAsLastSeenUntilDeletedAndSurviveAReopen() throws {
        let index = HostedThreadIndex(directory: directory)
        index.record(ThreadObject(id: "thread_1", createdAt: 10, metadata: ["k": "v"]), service: "s")
        index.recordUse(threadID: "thread_2", service: "s")
        index.record(ThreadObject(id: "thread_3", createdAt: 30), service: "s")
        index.record(ThreadObject(id: "thread_1", createdAt: 10, metadata: ["k": "w"]), service: "s")
        index.remove(threadID: "thread_3", service: "s")
        index.record(ThreadObject(id: "thread_other", createdAt: 5), service: "another account")

        let reopened = HostedThreadIndex(directory: directory)
        let all = try reopened.list(ListThreadsParams(list: ListParams(order: .asc)), service: "s")
        XCTAssertEqual(all.data.map(\.id), ["thread_1", "thread_2"])
        XCTAssertEqual(all.data.first?.metadata, ["k": "w"], "as last seen")
        let filtered = try reopened.list(ListThreadsParams(metadata: ["k": "w"]), service: "s")
        XCTAssertEqual(filtered.data.map(\.id), ["thread_1"])
        XCTAssertEqual(try reopened.list(ListThreadsParams(), service: "another account").data.map(\.id), ["thread_other"])
        XCTAssertThrowsError(try reopened.list(ListThreadsParams(list: ListParams(after: "thread_3")), service: "s"))
    }

    func testAThreadUsedAgainAndAgainCostsOneLineAndOnlyACutLineIsLost() throws {
        let index = HostedThreadIndex(directory: directory)
        for _ in 0..<5 { index.recordUse(threadID: "thread_1", service: "s") }
        index.record(ThreadObject(id: "thread_2", createdAt: 20), service: "s")
        index.record(ThreadObject(id: "thread_2", createdAt: 20), service: "s")
        XCTAssertEqual(try lines().count, 2)
        // Another process (a fresh index) that uses a listed thread adds no line either.
        HostedThreadIndex(directory: directory).recordUse(threadID: "thread_1", service: "s")
        XCTAssertEqual(try lines().count, 2)

        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: directory + "/" + HostedThreadIndex.fileName))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"service":"s","thread":{"id":"thread_cu"#.utf8))
        handle.closeFile()
        let afterCut = HostedThreadIndex(directory: directory)
        afterCut.record(ThreadObject(id: "thread_3", createdAt: 30), service: "s")
        let listed = try afterCut.list(ListThreadsParams(list: ListParams(order: .asc)), service: "s")
        XCTAssertEqual(listed.data.map(\.id), ["thread_1", "thread_2", "thread_3"])
    }

    func testWithoutADirectoryTheIndexIsInMemory() throws {
        let index = HostedThreadIndex(directory: nil)
        index.record(ThreadObject(id: "thread_1", createdAt: 1), service: "s")
        XCTAssertEqual(try index.list(ListThreadsParams(), service: "s").data.map(\.id), ["thread_1"])
        XCTAssertEqual(try HostedThreadIndex(directory: nil).list(ListThreadsParams(), service: "s").data.count, 0)
    }
}
