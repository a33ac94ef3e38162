import AssistantAPI
import JSONCore
import XCTest

@testable import LocalEngine

/// The typed CRUD of each object, what the run executor needs, transactions and cascades.
final class StoreObjectTests: XCTestCase {
    func testAssistantsAndTheirFiles() throws {
        let store = try openMemoryStore()
        var assistant = Make.assistant(fileIDs: ["file-1", "file-2", "file-1"])
        assistant.requestID = "should-not-be-stored"
        try store.insertAssistant(assistant)
        let stored = try XCTUnwrap(store.assistant(id: assistant.id))
        XCTAssertNil(stored.requestID)
        XCTAssertEqual(stored.fileIDs, ["file-1", "file-2"], "duplicates dropped")
        XCTAssertEqual(try store.listAssistantFiles(assistantID: assistant.id, ListParams(order: .asc)).data.map(\.id), ["file-1", "file-2"])

        // Attaching keeps file_ids and rows equal; attaching twice is harmless.
        let attached = try store.attachAssistantFile(assistantID: assistant.id, fileID: "file-3", createdAt: 42)
        XCTAssertEqual(attached, AssistantFile(id: "file-3", createdAt: 42, assistantID: assistant.id))
        XCTAssertEqual(try store.attachAssistantFile(assistantID: assistant.id, fileID: "file-3", createdAt: 99).createdAt, 42)
        XCTAssertEqual(try store.assistant(id: assistant.id)?.fileIDs, ["file-1", "file-2", "file-3"])
        XCTAssertTrue(try store.detachAssistantFile(assistantID: assistant.id, fileID: "file-1"))
        XCTAssertFalse(try store.detachAssistantFile(assistantID: assistant.id, fileID: "file-1"))
        XCTAssertEqual(try store.assistant(id: assistant.id)?.fileIDs, ["file-2", "file-3"])
        XCTAssertNil(try store.assistantFile(assistantID: assistant.id, fileID: "file-1"))

        // Updating file_ids rewrites the rows.
        var updated = try XCTUnwrap(store.assistant(id: assistant.id))
        updated.fileIDs = ["file-3", "file-9"]
        updated.name = "renamed"
        try store.updateAssistant(updated)
        XCTAssertEqual(try store.assistant(id: assistant.id)?.name, "renamed")
        XCTAssertEqual(
            Set(try store.listAssistantFiles(assistantID: assistant.id, ListParams()).data.map(\.id)), ["file-3", "file-9"])
        XCTAssertEqual(try store.assistantFile(assistantID: assistant.id, fileID: "file-3")?.createdAt, 42, "kept rows keep their date")

        assertAPIError(.notFound) { try store.updateAssistant(Make.assistant()) }
        assertAPIError(.notFound) { _ = try store.attachAssistantFile(assistantID: "asst_missing", fileID: "f", createdAt: 1) }
        assertAPIError(.notFound) { _ = try store.listAssistantFiles(assistantID: "asst_missing", ListParams()) }

        XCTAssertTrue(try store.deleteAssistant(id: assistant.id))
        XCTAssertFalse(try store.deleteAssistant(id: assistant.id))
        XCTAssertNil(try store.assistant(id: assistant.id))
        let orphanRows = try store.withConnection { try $0.scalarInt("SELECT count(*) FROM assistant_files") }
        XCTAssertEqual(orphanRows, 0, "file rows go with their assistant")
    }

    func testSecretsNeverReachTheDatabase() throws {
        let directory = temporaryDirectory()
        let store = try Store.open(location: .file(directory: directory))
        let plugin = Tool(raw: ["type": "plugin_marker_tool", "auth": ["type": "user_http", "user_token": "s3cret-token-4711"]])
        try store.insertAssistant(Make.assistant(tools: [plugin]))
        let thread = try Make.thread(store)
        var run = Make.run(threadID: thread.id)
        run.tools = [Tool(raw: ["type": "plugin_marker_tool", "auth": ["type": "user_http", "user_token": "s3cret-token-4712"]])]
        try store.insertRun(run)
        try store.updateRun(run)
        XCTAssertEqual(try store.run(id: run.id)?.tools.first?.raw["auth"]?["user_token"], "[redacted]")
        var bytes: [UInt8] = []
        for suffix in ["", "-wal"] {
            bytes += (FileManager.default.contents(atPath: store.path + suffix).map { Array($0) } ?? [])
        }
        store.close()
        let contents = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(contents.contains("plugin_marker_tool"), "the search must see the stored tools")
        XCTAssertFalse(contents.contains("s3cret-token"))
    }

    func testMessages() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        var message = Make.message(threadID: thread.id, "hi")
        message.requestID = "r"
        try store.insertMessage(message)
        message.requestID = nil
        XCTAssertEqual(try store.message(id: message.id), message)
        XCTAssertEqual(try store.message(threadID: thread.id, id: message.id), message)
        XCTAssertNil(try store.message(threadID: "thread_other", id: message.id))

        message.metadata = ["k": "v"]
        message.status = .completed
        try store.updateMessage(message)
        XCTAssertEqual(try store.message(id: message.id), message)
        assertAPIError(.notFound) { try store.updateMessage(Make.message(threadID: thread.id)) }
        assertAPIError(.notFound) { try store.insertMessage(Make.message(threadID: "thread_missing")) }
        XCTAssertEqual(try store.messageCount(threadID: thread.id), 1)

        let modified = try store.modifyMessage(id: message.id) { $0.content.append(.text(" there")) }
        XCTAssertEqual(modified.text, "hi there")
        XCTAssertEqual(try store.message(id: message.id)?.text, "hi there")
        assertAPIError(.notFound) { try store.modifyMessage(id: "message_missing") { _ in } }
    }

    func testThreads() throws {
        let store = try openMemoryStore()
        var thread = try Make.thread(store, metadata: ["a": "1"])
        XCTAssertTrue(try store.threadExists(id: thread.id))
        thread.metadata = ["b": "2"]
        try store.updateThread(thread)
        XCTAssertEqual(try store.thread(id: thread.id)?.metadata, ["b": "2"])
        XCTAssertEqual(try store.modifyThread(id: thread.id) { $0.metadata["c"] = "3" }.metadata, ["b": "2", "c": "3"])
        assertAPIError(.notFound) { try store.updateThread(ThreadObject(id: "thread_missing", createdAt: 1)) }
        XCTAssertFalse(try store.threadExists(id: "thread_missing"))
        XCTAssertThrowsError(try store.insertThread(thread)) { error in
            XCTAssertTrue(error is StoreError, "a duplicate id is a storage failure, not a client error: \(error)")
        }
    }

    func testRunsAndWhatTheExecutorNeeds() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let other = try Make.thread(store)
        XCTAssertNil(try store.activeRun(threadID: thread.id))

        let done = Make.run(threadID: thread.id, status: .completed)
        try store.insertRun(done)
        XCTAssertNil(try store.activeRun(threadID: thread.id), "a completed run holds no lock")
        var live = Make.run(threadID: thread.id, status: .queued)
        try store.insertRun(live)
        let elsewhere = Make.run(threadID: other.id, status: .requiresAction)
        try store.insertRun(elsewhere)
        XCTAssertEqual(try store.activeRun(threadID: thread.id)?.id, live.id)
        XCTAssertEqual(try store.activeRun(threadID: other.id)?.id, elsewhere.id)

        for status in [RunStatus.inProgress, .requiresAction, .cancelling] {
            live.status = status
            try store.updateRun(live)
            XCTAssertEqual(try store.activeRun(threadID: thread.id)?.status, status)
        }
        XCTAssertEqual(try store.runs(withStatuses: [.cancelling, .requiresAction]).map(\.id), [live.id, elsewhere.id], "oldest first")
        XCTAssertEqual(try store.runs(withStatuses: [.completed]).map(\.id), [done.id])
        XCTAssertEqual(try store.runs(withStatuses: []).count, 0)

        let finished = try store.modifyRun(id: live.id) {
            $0.status = .completed
            $0.completedAt = 7
        }
        XCTAssertEqual(finished.status, .completed)
        XCTAssertNil(try store.activeRun(threadID: thread.id))
        XCTAssertEqual(try store.run(threadID: thread.id, id: live.id)?.completedAt, 7)
        XCTAssertNil(try store.run(threadID: other.id, id: live.id))
        XCTAssertEqual(try store.listRuns(threadID: thread.id, ListParams(order: .asc)).data.map(\.id), [done.id, live.id])
        assertAPIError(.notFound) { try store.insertRun(Make.run(threadID: "thread_missing")) }
        assertAPIError(.notFound) { try store.updateRun(Make.run(threadID: thread.id)) }
        assertAPIError(.notFound) { _ = try store.listRuns(threadID: "thread_missing", ListParams()) }
    }

    func testStepsAndPromptHistory() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        let first = Make.run(threadID: thread.id, status: .completed)
        let second = Make.run(threadID: thread.id)
        try store.insertRun(first)
        try store.insertRun(second)
        let a = Make.step(first)
        var b = Make.step(second, details: .toolCalls([ToolCall(id: "call_1", function: FunctionCall(name: "f", arguments: "{}"))]))
        let c = Make.step(second)
        for step in [a, b, c] { try store.insertStep(step) }
        XCTAssertEqual(try store.steps(runID: second.id).map(\.id), [b.id, c.id])
        XCTAssertEqual(try store.steps(threadID: thread.id).map(\.id), [a.id, b.id, c.id])
        XCTAssertEqual(try store.step(runID: second.id, id: b.id), b)
        XCTAssertNil(try store.step(runID: first.id, id: b.id))

        b.stepDetails.toolCalls?[0].function?.output = "42"
        b.status = .completed
        try store.updateStep(b)
        XCTAssertEqual(try store.step(id: b.id)?.stepDetails.toolCalls?.first?.function?.output, "42")
        XCTAssertEqual(try store.modifyStep(id: c.id) { $0.status = .cancelled }.status, .cancelled)
        XCTAssertEqual(try store.listSteps(runID: second.id, ListParams(limit: 1)).data.map(\.id), [c.id])
        assertAPIError(.notFound) { try store.insertStep(Make.step(Make.run(threadID: thread.id))) }
        assertAPIError(.notFound) { try store.updateStep(Make.step(first)) }
        assertAPIError(.notFound) { _ = try store.listSteps(runID: "run_missing", ListParams()) }

        let messages = try Make.messages(store, threadID: thread.id, count: 4)
        XCTAssertEqual(try store.messages(threadID: thread.id), messages, "oldest first, whole")
    }

    func testDeletingAThreadDeletesItsMessagesRunsAndSteps() throws {
        let store = try openMemoryStore()
        let doomed = try Make.thread(store)
        let kept = try Make.thread(store)
        var created: [(thread: ThreadObject, messages: [Message], run: Run, step: RunStep)] = []
        for thread in [doomed, kept] {
            let run = Make.run(threadID: thread.id)
            try store.insertRun(run)
            let step = Make.step(run)
            try store.insertStep(step)
            let messages = try Make.messages(store, threadID: thread.id, count: 5, runID: run.id)
            created.append((thread, messages, run, step))
        }
        XCTAssertTrue(try store.deleteThread(id: doomed.id))
        XCTAssertFalse(try store.deleteThread(id: doomed.id))
        XCTAssertNil(try store.thread(id: doomed.id))
        for message in created[0].messages { XCTAssertNil(try store.message(id: message.id)) }
        XCTAssertNil(try store.run(id: created[0].run.id))
        XCTAssertNil(try store.step(id: created[0].step.id))
        XCTAssertEqual(try store.steps(threadID: doomed.id), [])
        // The other thread is untouched.
        XCTAssertEqual(try store.messages(threadID: kept.id), created[1].messages)
        XCTAssertEqual(try store.run(id: created[1].run.id), created[1].run)
        XCTAssertEqual(try store.step(id: created[1].step.id), created[1].step)
        let counts = try store.withConnection { db in
            try ["messages", "runs", "steps", "threads"].map { try db.scalarInt("SELECT count(*) FROM \($0)") ?? -1 }
        }
        XCTAssertEqual(counts, [5, 1, 1, 1])
        XCTAssertEqual(try store.integrityCheck(), ["ok"])
    }

    func testTransactionsAreAllOrNothing() throws {
        let store = try openMemoryStore()
        let thread = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: 1)
        let message = Make.message(threadID: thread.id)
        XCTAssertThrowsError(try store.transaction {
            try store.insertThread(thread)
            try store.insertMessage(message)
            try store.insertMessage(message)  // duplicate id: the whole transaction goes
        })
        XCTAssertNil(try store.thread(id: thread.id))
        XCTAssertNil(try store.message(id: message.id))

        // A failed nested transaction undoes only its own part.
        struct Abort: Error {}
        let outer = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: 1)
        let inner = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: 2)
        let result: Int = try store.transaction {
            try store.insertThread(outer)
            XCTAssertThrowsError(try store.transaction {
                try store.insertThread(inner)
                throw Abort()
            })
            return 7
        }
        XCTAssertEqual(result, 7)
        XCTAssertNotNil(try store.thread(id: outer.id))
        XCTAssertNil(try store.thread(id: inner.id))
        // And the connection is usable afterwards, outside any transaction.
        _ = try store.transaction { try store.insertThread(inner) }
        XCTAssertNotNil(try store.thread(id: inner.id))
    }

    func testTwentyThousandRowsInOneTransaction() throws {
        // Through the cached insert statement; the benchmark does 1,000,000.
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        try Make.messages(store, threadID: thread.id, count: 20_000)
        XCTAssertEqual(try store.messageCount(threadID: thread.id), 20_000)
    }

    func testTheExecutorsRunUpdateKeepsTheMetadataAClientChangedMeanwhile() throws {
        let store = try openMemoryStore()
        let thread = try Make.thread(store)
        var run = Make.run(threadID: thread.id)
        run.metadata = ["a": "1"]
        try store.insertRun(run)
        run.status = .inProgress
        try store.updateRunKeepingMetadata(run)
        XCTAssertEqual(try store.run(id: run.id), Store.storable(run), "unchanged metadata: the run as given")

        _ = try store.modifyRun(id: run.id) { $0.metadata = ["b": "2"] }  // runs/update
        run.status = .completed
        try store.updateRunKeepingMetadata(run)
        var expected = Store.storable(run)
        expected.metadata = ["b": "2"]
        XCTAssertEqual(try store.run(id: run.id), expected, "the executor's fields, the client's metadata")
        XCTAssertEqual(try store.activeRun(threadID: thread.id), nil, "the status column follows")

        assertAPIError(.notFound) { try store.updateRunKeepingMetadata(Make.run(threadID: thread.id)) }
    }
}
