import AssistantAPI
import Foundation
import XCTest

@testable import LocalEngine

/// Cursor pagination: the edges, both orders, both cursors, bad cursors, and a cross-check of
/// every cursor combination against a reference written straight from the documented semantics.
final class PaginationTests: XCTestCase {
    /// The documented semantics, computed the obvious way over the ids in insertion order.
    func reference(_ ids: [String], _ list: ListParams) -> (ids: [String], hasMore: Bool) {
        let ordered = list.order == .desc ? ids.reversed() : ids
        let start = list.after.flatMap { ordered.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
        let end = list.before.flatMap { ordered.firstIndex(of: $0) } ?? ordered.count
        let window = start < end ? Array(ordered[start..<end]) : []
        let backwards = list.before != nil && list.after == nil
        let page = backwards ? Array(window.suffix(list.limit)) : Array(window.prefix(list.limit))
        return (page, window.count > list.limit)
    }

    func testEmptyList() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        for order in [ListParams.Order.asc, .desc] {
            let page = try store.listMessages(threadID: thread.id, ListParams(order: order))
            XCTAssertEqual(page.data, [])
            XCTAssertNil(page.firstID)
            XCTAssertNil(page.lastID)
            XCTAssertFalse(page.hasMore)
        }
        XCTAssertEqual(try store.listAssistants(ListParams()).data, [])
    }

    func testDefaultOrderIsNewestFirst() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let messages = try Make.messages(store, threadID: thread.id, count: 3)
        let page = try store.listMessages(threadID: thread.id, ListParams())
        XCTAssertEqual(page.data.map(\.id), messages.reversed().map(\.id))
        XCTAssertEqual(page.firstID, messages[2].id)
        XCTAssertEqual(page.lastID, messages[0].id)
        XCTAssertNil(page.requestID, "the store never invents request ids")
    }

    func testExactPageBoundary() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let ids = try Make.messages(store, threadID: thread.id, count: 40).map(\.id)
        for order in [ListParams.Order.asc, .desc] {
            let ordered = order == .asc ? ids : ids.reversed()
            let first = try store.listMessages(threadID: thread.id, ListParams(limit: 20, order: order))
            XCTAssertEqual(first.data.map(\.id), Array(ordered[0..<20]))
            XCTAssertTrue(first.hasMore)
            let second = try store.listMessages(threadID: thread.id, ListParams(limit: 20, order: order, after: first.lastID))
            XCTAssertEqual(second.data.map(\.id), Array(ordered[20..<40]))
            XCTAssertFalse(second.hasMore, "the page that ends exactly at the end has no more")
            let beyond = try store.listMessages(threadID: thread.id, ListParams(limit: 20, order: order, after: second.lastID))
            XCTAssertEqual(beyond.data, [])
            XCTAssertFalse(beyond.hasMore)
            XCTAssertNil(beyond.firstID)
            // Paging back from the second page gives the first exactly.
            let back = try store.listMessages(threadID: thread.id, ListParams(limit: 20, order: order, before: second.firstID))
            XCTAssertEqual(back.data.map(\.id), first.data.map(\.id))
            XCTAssertFalse(back.hasMore, "nothing lies before the first page")
            let all = try store.listMessages(threadID: thread.id, ListParams(limit: 40, order: order))
            XCTAssertEqual(all.data.map(\.id), ordered)
            XCTAssertFalse(all.hasMore)
        }
    }

    func testAfterAndBeforeInBothOrders() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let ids = try Make.messages(store, threadID: thread.id, count: 10).map(\.id)  // m0 … m9
        func list(_ params: ListParams) throws -> [String] {
            try store.listMessages(threadID: thread.id, params).data.map(\.id)
        }
        // asc: after m3 → m4, m5, m6; before m3 → m0, m1, m2 (nearest the cursor: m1, m2 with limit 2)
        XCTAssertEqual(try list(ListParams(limit: 3, order: .asc, after: ids[3])), [ids[4], ids[5], ids[6]])
        XCTAssertEqual(try list(ListParams(limit: 2, order: .asc, before: ids[3])), [ids[1], ids[2]])
        // desc: after m3 → m2, m1; before m3 → m5, m4 (limit 2, nearest the cursor, in desc order)
        XCTAssertEqual(try list(ListParams(limit: 2, order: .desc, after: ids[3])), [ids[2], ids[1]])
        XCTAssertEqual(try list(ListParams(limit: 2, order: .desc, before: ids[3])), [ids[5], ids[4]])
        // Both: strictly between, from the `after` side.
        XCTAssertEqual(try list(ListParams(limit: 10, order: .asc, after: ids[2], before: ids[6])), [ids[3], ids[4], ids[5]])
        XCTAssertEqual(try list(ListParams(limit: 2, order: .asc, after: ids[2], before: ids[6])), [ids[3], ids[4]])
        XCTAssertEqual(try list(ListParams(limit: 10, order: .desc, after: ids[6], before: ids[2])), [ids[5], ids[4], ids[3]])
        XCTAssertEqual(try list(ListParams(limit: 10, order: .asc, after: ids[6], before: ids[2])), [], "crossed cursors: nothing")
        // has_more looks away from the cursor.
        XCTAssertTrue(try store.listMessages(threadID: thread.id, ListParams(limit: 2, order: .asc, before: ids[3])).hasMore)
        XCTAssertFalse(try store.listMessages(threadID: thread.id, ListParams(limit: 3, order: .asc, before: ids[3])).hasMore)
        XCTAssertFalse(try store.listMessages(threadID: thread.id, ListParams(limit: 3, order: .desc, after: ids[3])).hasMore)
        XCTAssertTrue(try store.listMessages(threadID: thread.id, ListParams(limit: 2, order: .desc, after: ids[3])).hasMore)
    }

    /// Every cursor pair, both orders, several limits: the store and the in-memory pager agree
    /// with the reference.
    func testEveryCursorCombinationMatchesTheReference() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let messages = try Make.messages(store, threadID: thread.id, count: 9)
        let ids = messages.map(\.id)
        let cursors: [String?] = [nil] + ids.map(Optional.some)
        var checked = 0
        for order in [ListParams.Order.asc, .desc] {
            for limit in [1, 2, 4, 9, 100] {
                for after in cursors {
                    for before in cursors {
                        let params = ListParams(limit: limit, order: order, after: after, before: before)
                        let expected = reference(ids, params)
                        let page = try store.listMessages(threadID: thread.id, params)
                        XCTAssertEqual(page.data.map(\.id), expected.ids, "\(params)")
                        XCTAssertEqual(page.hasMore, expected.hasMore, "\(params)")
                        XCTAssertEqual(page.firstID, expected.ids.first)
                        XCTAssertEqual(page.lastID, expected.ids.last)
                        let memory = try pageInMemory(messages, id: \.id, noun: "message", scope: "test", params)
                        XCTAssertEqual(memory.data.map(\.id), expected.ids, "in memory: \(params)")
                        XCTAssertEqual(memory.hasMore, expected.hasMore, "in memory: \(params)")
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, 2 * 5 * 10 * 10)
    }

    func testBadCursors() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let other = try Make.thread(store)
        let ids = try Make.messages(store, threadID: thread.id, count: 5).map(\.id)
        let foreign = try Make.messages(store, threadID: other.id, count: 1)[0].id

        assertAPIError(.invalidParams, param: "after") {
            _ = try store.listMessages(threadID: thread.id, ListParams(after: "message_unknown"))
        }
        assertAPIError(.invalidParams, param: "before") {
            _ = try store.listMessages(threadID: thread.id, ListParams(before: foreign))
        }
        assertAPIError(.invalidParams, param: "after") {
            _ = try store.listMessages(threadID: thread.id, ListParams(after: ""))
        }
        // A run's id is not a message cursor, even in the same thread.
        let run = Make.run(threadID: thread.id)
        try store.insertRun(run)
        assertAPIError(.invalidParams, param: "after") {
            _ = try store.listMessages(threadID: thread.id, ListParams(after: run.id))
        }
        // A deleted object is no cursor any more.
        _ = try store.withConnection { try $0.run("DELETE FROM messages WHERE id = ?", [.text(ids[2])]) }
        assertAPIError(.invalidParams, param: "after") {
            _ = try store.listMessages(threadID: thread.id, ListParams(after: ids[2]))
        }
        do {
            _ = try store.listMessages(threadID: thread.id, ListParams(before: ids[2]))
        } catch let error as APIError {
            XCTAssertTrue(error.message.contains(ids[2]), error.message)
            XCTAssertTrue(error.message.contains(thread.id), error.message)
        }
        // The remaining cursors work and skip the deleted one.
        XCTAssertEqual(
            try store.listMessages(threadID: thread.id, ListParams(order: .asc, after: ids[1])).data.map(\.id), [ids[3], ids[4]])
        assertAPIError(.invalidParams, param: "limit") {
            _ = try store.listMessages(threadID: thread.id, ListParams(limit: 0))
        }
        assertAPIError(.invalidParams, param: "limit") {
            _ = try store.listRuns(threadID: thread.id, ListParams(limit: 101))
        }
        assertAPIError(.notFound) { _ = try store.listMessages(threadID: "thread_missing", ListParams()) }
        assertAPIError(.invalidParams, param: "after") {
            _ = try pageInMemory(["a", "b"], id: { $0 }, noun: "file", scope: "test", ListParams(after: "c"))
        }
    }

    func testRunFilter() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let run = Make.run(threadID: thread.id)
        try store.insertRun(run)
        var all: [Message] = []
        for index in 0..<12 {
            let message = Make.message(threadID: thread.id, "m\(index)", runID: index % 3 == 0 ? run.id : nil)
            try store.insertMessage(message)
            all.append(message)
        }
        let ofRun = all.filter { $0.runID == run.id }.map(\.id)
        XCTAssertEqual(ofRun.count, 4)
        let page = try store.listMessages(threadID: thread.id, runID: run.id, ListParams(limit: 2, order: .asc))
        XCTAssertEqual(page.data.map(\.id), Array(ofRun.prefix(2)))
        XCTAssertTrue(page.hasMore)
        let next = try store.listMessages(threadID: thread.id, runID: run.id, ListParams(limit: 2, order: .asc, after: page.lastID))
        XCTAssertEqual(next.data.map(\.id), Array(ofRun.suffix(2)))
        XCTAssertFalse(next.hasMore)
        // A message of the thread that the run did not create is not a cursor of the filtered list.
        assertAPIError(.invalidParams, param: "after") {
            _ = try store.listMessages(threadID: thread.id, runID: run.id, ListParams(after: all[1].id))
        }
        XCTAssertEqual(try store.listMessages(threadID: thread.id, runID: "run_other", ListParams()).data, [])
    }

    /// Walking a few thousand messages page by page, forwards and backwards, sees each exactly once.
    func testWalkingThousandsOfMessages() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let ids = try Make.messages(store, threadID: thread.id, count: 3_001).map(\.id)
        for order in [ListParams.Order.asc, .desc] {
            let ordered = order == .asc ? ids : ids.reversed()
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try store.listMessages(threadID: thread.id, ListParams(limit: 100, order: order, after: cursor))
                seen += page.data.map(\.id)
                cursor = page.lastID
                pages += 1
                if !page.hasMore { break }
            } while true
            XCTAssertEqual(seen, ordered)
            XCTAssertEqual(pages, 31)

            var backwards: [String] = []
            cursor = ordered.last
            backwards.append(ordered.last!)
            while let before = cursor {
                let page = try store.listMessages(threadID: thread.id, ListParams(limit: 100, order: order, before: before))
                backwards = page.data.map(\.id) + backwards
                cursor = page.hasMore ? page.firstID : nil
            }
            XCTAssertEqual(backwards, ordered)
        }
    }

    /// Every list query the store runs is a range scan on its `(parent, seq)` index, and cursors
    /// resolve through the unique id index: SQLite's own plan says so.
    func testListQueriesUseTheirIndexes() throws {
        let store = try openMemoryStore()
        func plan(_ sql: String) throws -> String {
            try store.withConnection { db in
                var lines: [String] = []
                let marks = sql.filter { $0 == "?" }.count
                try db.query("EXPLAIN QUERY PLAN " + sql, Array(repeating: .text("x"), count: marks)) { lines.append($0.text(3)) }
                return lines.joined(separator: "; ")
            }
        }
        let lists: [(ListSpec, String)] = [
            (Store.messageList, "messages_by_thread"), (Store.messageListByRun, "messages_by_run"),
            (Store.runList, "runs_by_thread"), (Store.stepList, "steps_by_run"),
            (Store.assistantFileList, "assistant_files_by_assistant"), (Store.assistantList, "INTEGER PRIMARY KEY"),
        ]
        for (spec, index) in lists {
            for order in [ListParams.Order.asc, .desc] {
                for (after, before) in [(nil, nil), ("a", nil), (nil, "b"), ("a", "b")] as [(String?, String?)] {
                    let sql = spec.pageSQL(ListParams(order: order, after: after, before: before))
                    let text = try plan(sql)
                    XCTAssertTrue(text.contains(index) || text == "SCAN \(spec.table)", "\(sql): \(text)")
                    XCTAssertFalse(text.contains("TEMP B-TREE"), "sorts instead of walking the index: \(sql): \(text)")
                }
            }
            let cursorPlan = try plan(spec.cursorSQL)
            XCTAssertTrue(cursorPlan.contains("sqlite_autoindex") || cursorPlan.contains("INTEGER PRIMARY KEY") || cursorPlan.contains(index), cursorPlan)
            XCTAssertFalse(cursorPlan.hasPrefix("SCAN"), "cursor lookup scans: \(cursorPlan)")
        }
    }
}
