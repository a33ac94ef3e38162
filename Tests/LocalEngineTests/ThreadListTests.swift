import AssistantAPI
import Foundation
import XCTest

@testable import LocalEngine

/// `Store.listThreads`: creation order, every cursor combination with and without a metadata
/// filter, keys that a JSON path would have to quote, and deleted threads.
final class ThreadListTests: XCTestCase {
    func testEveryCursorCombinationMatchesTheFilteredCreationOrder() throws {
        let store = try openMemoryStore()
        var threads: [ThreadObject] = []
        for index in 0..<9 {
            var metadata = ["n": String(index)]
            if index % 3 == 0 { metadata["team.\"a\""] = "x y" }
            let thread = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: 1_700_000_000, metadata: metadata)
            try store.insertThread(thread)
            threads.append(thread)
        }
        for filter in [nil, ["team.\"a\"": "x y"], ["team.\"a\"": "x y", "n": "6"], ["n": "none"]] as [[String: String]?] {
            let ids = threads.filter { thread in (filter ?? [:]).allSatisfy { thread.metadata[$0.key] == $0.value } }.map(\.id)
            for order in [ListParams.Order.asc, .desc] {
                let ordered = order == .asc ? ids : ids.reversed()
                for after in [nil] + ordered.map(Optional.some) {
                    for before in [nil] + ordered.map(Optional.some) {
                        let list = ListParams(limit: 2, order: order, after: after, before: before)
                        let page = try store.listThreads(ListThreadsParams(list: list, metadata: filter))
                        let start = after.flatMap { ordered.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
                        let end = before.flatMap { ordered.firstIndex(of: $0) } ?? ordered.count
                        let window = start < end ? Array(ordered[start..<end]) : []
                        let backwards = before != nil && after == nil
                        let expected = backwards ? Array(window.suffix(2)) : Array(window.prefix(2))
                        XCTAssertEqual(page.data.map(\.id), expected, "\(String(describing: filter)) \(list)")
                        XCTAssertEqual(page.hasMore, window.count > 2, "\(String(describing: filter)) \(list)")
                    }
                }
            }
        }
    }

    func testACursorMustNameAThreadOfTheFilteredListAndDeletedThreadsAreGone() throws {
        let store = try openMemoryStore()
        let tagged = ThreadObject(id: "thread_tagged", createdAt: 1, metadata: ["k": "v"])
        let plain = ThreadObject(id: "thread_plain", createdAt: 2)
        try store.insertThread(tagged)
        try store.insertThread(plain)
        assertAPIError(.invalidParams, param: "after") {
            _ = try store.listThreads(ListThreadsParams(list: ListParams(after: plain.id), metadata: ["k": "v"]))
        }
        XCTAssertTrue(try store.deleteThread(id: tagged.id))
        XCTAssertEqual(try store.listThreads(ListThreadsParams()).data.map(\.id), [plain.id])
        XCTAssertEqual(try store.listThreads(ListThreadsParams(metadata: ["k": "v"])).data, [])
        assertAPIError(.invalidParams, param: "before") {
            _ = try store.listThreads(ListThreadsParams(list: ListParams(before: tagged.id)))
        }
    }
}
