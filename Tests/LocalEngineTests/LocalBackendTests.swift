import AssistantAPI
import JSONCore
import XCTest

@testable import LocalEngine

/// The backend's CRUD methods, driven with params built from JSON as the bridge will build them.
final class LocalBackendTests: XCTestCase {
    func makeBackend() throws -> LocalBackend {
        LocalBackend(store: try openMemoryStore(), model: try testModel())
    }

    func testModel() throws -> ScriptedChatModel {
        try ScriptedChatModel(json: ["turns": [["text": "ok"]]], name: "test")
    }

    /// The backend leaves `request_id` unset: the bridge stamps a fresh one on every response, in
    /// one place (BridgeTests.RequestIDStampTests holds that through every method).
    func assertLeftForTheBridge(_ id: String?, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNil(id, "request_id is the bridge's to stamp", file: file, line: line)
    }

    func testInfo() async throws {
        let memory = try makeBackend()
        XCTAssertEqual(memory.info["name"], "local")
        XCTAssertEqual(memory.info["data_path"], ":memory:")
        let directory = temporaryDirectory()
        let onDisk = try LocalBackend(location: .file(directory: directory), model: try testModel())
        XCTAssertEqual(onDisk.info["data_path"], .string(directory + "/assistd.sqlite3"))
        await onDisk.shutdown()
    }

    func testAssistantLifecycle() async throws {
        let backend = try makeBackend()
        let created = try await backend.createAssistant(CreateAssistantParams([
            "model": "qwen-max", "name": "Painter", "instructions": "Paint.", "temperature": 0.3, "top_k": 4,
            "metadata": ["team": "art"], "file_ids": ["file-1"],
            "tools": [
                ["type": "function", "function": ["name": "paint", "parameters": ["type": "object", "properties": [:]]]],
                ["type": "plugin_x", "auth": ["type": "user_http", "user_token": "tok-123"]],
            ],
        ]))
        XCTAssertTrue(created.id.hasPrefix("asst_"))
        XCTAssertEqual(created.object, "assistant")
        XCTAssertEqual(created.model, "qwen-max")
        XCTAssertEqual(created.name, "Painter")
        XCTAssertEqual(created.temperature, 0.3)
        XCTAssertEqual(created.topK, 4)
        XCTAssertEqual(created.metadata, ["team": "art"])
        XCTAssertEqual(created.fileIDs, ["file-1"])
        XCTAssertEqual(created.tools[1].raw["auth"]?["user_token"], "[redacted]", "the answer shows what is stored")
        XCTAssertEqual(created.tools[0].function?.name, "paint")
        assertLeftForTheBridge(created.requestID)

        let retrieved = try await backend.retrieveAssistant(id: created.id)
        assertLeftForTheBridge(retrieved.requestID)
        var withoutRequest = retrieved
        withoutRequest.requestID = created.requestID
        XCTAssertEqual(withoutRequest, created)

        let updated = try await backend.updateAssistant(UpdateAssistantParams([
            "assistant_id": .string(created.id), "name": "Sketcher", "metadata": ["team": "sketch"], "file_ids": [],
        ]))
        XCTAssertEqual(updated.name, "Sketcher")
        XCTAssertEqual(updated.instructions, "Paint.", "fields left out stay")
        XCTAssertEqual(updated.temperature, 0.3)
        XCTAssertEqual(updated.tools.count, 2)
        XCTAssertEqual(updated.metadata, ["team": "sketch"])
        XCTAssertEqual(updated.fileIDs, [])
        let modelOnly = try await backend.updateAssistant(UpdateAssistantParams(["assistant_id": .string(created.id), "model": "qwen-plus"]))
        XCTAssertEqual(modelOnly.model, "qwen-plus")
        XCTAssertEqual(modelOnly.name, "Sketcher")

        let second = try await backend.createAssistant(CreateAssistantParams(["model": "m"]))
        let page = try await backend.listAssistants(ListParams())
        XCTAssertEqual(page.data.map(\.id), [second.id, created.id])
        assertLeftForTheBridge(page.requestID)
        XCTAssertTrue(page.data.allSatisfy { $0.requestID == nil }, "items in a list carry no request_id")
        let value1 = try await backend.listAssistants(ListParams(limit: 1, after: second.id)).data.map(\.id)
        XCTAssertEqual(value1, [created.id])

        let deleted = try await backend.deleteAssistant(id: created.id)
        XCTAssertEqual(deleted.id, created.id)
        XCTAssertEqual(deleted.object, "assistant.deleted")
        XCTAssertTrue(deleted.deleted)
        assertLeftForTheBridge(deleted.requestID)
        await assertAPIError(.notFound) { _ = try await backend.retrieveAssistant(id: created.id) }
        await assertAPIError(.notFound) { _ = try await backend.deleteAssistant(id: created.id) }
        await assertAPIError(.notFound) {
            _ = try await backend.updateAssistant(UpdateAssistantParams(["assistant_id": .string(created.id), "name": "x"]))
        }
    }

    func testNotFoundNamesTheObject() async throws {
        let backend = try makeBackend()
        do {
            _ = try await backend.retrieveThread(id: "thread_nope")
            XCTFail("found a thread that does not exist")
        } catch let error as APIError {
            XCTAssertEqual(error.kind, .notFound)
            XCTAssertEqual(error.details["id"], "thread_nope")
            XCTAssertTrue(error.message.contains("thread"), error.message)
            XCTAssertEqual(error.statusCode, 404)
        }
    }

    func testAssistantFiles() async throws {
        let backend = try makeBackend()
        let assistant = try await backend.createAssistant(CreateAssistantParams(["model": "m", "file_ids": ["file-a"]]))
        let ref: (String) throws -> AssistantFileParams = { try AssistantFileParams(["assistant_id": .string(assistant.id), "file_id": .string($0)]) }
        let file = try await backend.createAssistantFile(ref("file-b"))
        XCTAssertEqual(file.id, "file-b")
        XCTAssertEqual(file.object, "assistant.file")
        XCTAssertEqual(file.assistantID, assistant.id)
        assertLeftForTheBridge(file.requestID)
        let value2 = try await backend.retrieveAssistant(id: assistant.id).fileIDs
        XCTAssertEqual(value2, ["file-a", "file-b"])
        let page = try await backend.listAssistantFiles(assistantID: assistant.id, ListParams(order: .asc))
        XCTAssertEqual(page.data.map(\.id), ["file-a", "file-b"])
        assertLeftForTheBridge(page.requestID)
        let value3 = try await backend.retrieveAssistantFile(ref("file-a")).assistantID
        XCTAssertEqual(value3, assistant.id)
        let deleted = try await backend.deleteAssistantFile(ref("file-a"))
        XCTAssertEqual(deleted.object, "assistant.file.deleted")
        let value4 = try await backend.retrieveAssistant(id: assistant.id).fileIDs
        XCTAssertEqual(value4, ["file-b"])
        await assertAPIError(.notFound) { _ = try await backend.retrieveAssistantFile(ref("file-a")) }
        await assertAPIError(.notFound) { _ = try await backend.deleteAssistantFile(ref("file-a")) }
        await assertAPIError(.notFound) {
            _ = try await backend.createAssistantFile(AssistantFileParams(["assistant_id": "asst_nope", "file_id": "f"]))
        }
        await assertAPIError(.notFound) { _ = try await backend.listAssistantFiles(assistantID: "asst_nope", ListParams()) }
        await assertAPIError(.invalidParams, param: "after") {
            _ = try await backend.listAssistantFiles(assistantID: assistant.id, ListParams(after: "file-a"))
        }
    }

    func testThreadWithInitialMessages() async throws {
        let backend = try makeBackend()
        let thread = try await backend.createThread(CreateThreadParams([
            "metadata": ["user": "u1"],
            "messages": [["role": "user", "content": "Hello"], ["role": "assistant", "content": "Hi!", "file_ids": ["file-1"], "metadata": ["m": "1"]]],
        ]))
        XCTAssertTrue(thread.id.hasPrefix("thread_"))
        XCTAssertEqual(thread.object, "thread")
        XCTAssertEqual(thread.metadata, ["user": "u1"])
        assertLeftForTheBridge(thread.requestID)
        let messages = try await backend.listMessages(ListMessagesParams(["thread_id": .string(thread.id), "order": "asc"]))
        XCTAssertEqual(messages.data.map(\.text), ["Hello", "Hi!"])
        XCTAssertEqual(messages.data.map(\.role), ["user", "assistant"])
        XCTAssertEqual(messages.data[1].fileIDs, ["file-1"])
        XCTAssertEqual(messages.data[1].metadata, ["m": "1"])
        // The service's shape for client-made messages.
        XCTAssertEqual(messages.data[0].assistantID, "")
        XCTAssertEqual(messages.data[0].runID, "")
        XCTAssertEqual(messages.data[0].threadID, thread.id)
        XCTAssertTrue(messages.data[0].id.hasPrefix("message_"))

        let empty = try await backend.createThread(CreateThreadParams(.string("")))
        let value5 = try await backend.listMessages(ListMessagesParams(["thread_id": .string(empty.id)])).data
        XCTAssertEqual(value5, [])

        let updated = try await backend.updateThread(id: thread.id, metadata: ["user": "u2"], raw: [:])
        XCTAssertEqual(updated.metadata, ["user": "u2"])
        let value6 = try await backend.updateThread(id: thread.id, metadata: nil, raw: [:]).metadata
        XCTAssertEqual(value6, ["user": "u2"])
        let value7 = try await backend.retrieveThread(id: thread.id).metadata
        XCTAssertEqual(value7, ["user": "u2"])
        await assertAPIError(.notFound) { _ = try await backend.updateThread(id: "thread_nope", metadata: [:], raw: [:]) }

        let deleted = try await backend.deleteThread(id: thread.id)
        XCTAssertEqual(deleted.object, "thread.deleted")
        assertLeftForTheBridge(deleted.requestID)
        await assertAPIError(.notFound) { _ = try await backend.retrieveThread(id: thread.id) }
        await assertAPIError(.notFound) { _ = try await backend.listMessages(ListMessagesParams(["thread_id": .string(thread.id)])) }
        await assertAPIError(.notFound) { _ = try await backend.deleteThread(id: thread.id) }
    }

    func testMessages() async throws {
        let backend = try makeBackend()
        let thread = try await backend.createThread(CreateThreadParams(nil))
        let other = try await backend.createThread(CreateThreadParams(nil))
        let created = try await backend.createMessage(CreateMessageParams([
            "thread_id": .string(thread.id), "content": [["type": "text", "text": "look"], ["type": "image_file", "image_file": ["file_id": "file-img"]]],
            "file_ids": ["file-1", "file-2"],
        ]))
        XCTAssertEqual(created.object, "thread.message")
        XCTAssertEqual(created.role, "user")
        XCTAssertEqual(created.content.count, 2)
        XCTAssertEqual(created.content[1].imageFile?.fileID, "file-img")
        assertLeftForTheBridge(created.requestID)

        let retrieved = try await backend.retrieveMessage(threadID: thread.id, messageID: created.id)
        XCTAssertEqual(retrieved.content, created.content)
        await assertAPIError(.notFound) { _ = try await backend.retrieveMessage(threadID: other.id, messageID: created.id) }
        await assertAPIError(.notFound) { _ = try await backend.retrieveMessage(threadID: "thread_nope", messageID: created.id) }
        await assertAPIError(.notFound) {
            _ = try await backend.createMessage(CreateMessageParams(["thread_id": "thread_nope", "content": "x"]))
        }

        let updated = try await backend.updateMessage(threadID: thread.id, messageID: created.id, metadata: ["seen": "yes"], raw: [:])
        XCTAssertEqual(updated.metadata, ["seen": "yes"])
        XCTAssertEqual(updated.content, created.content)
        assertLeftForTheBridge(updated.requestID)
        await assertAPIError(.notFound) {
            _ = try await backend.updateMessage(threadID: other.id, messageID: created.id, metadata: [:], raw: [:])
        }

        // Message files are the message's file_ids.
        let files = try await backend.listMessageFiles(threadID: thread.id, messageID: created.id, ListParams(order: .asc))
        XCTAssertEqual(files.data.map(\.id), ["file-1", "file-2"])
        XCTAssertEqual(files.data.first?.messageID, created.id)
        XCTAssertEqual(files.data.first?.createdAt, created.createdAt)
        XCTAssertEqual(files.data.first?.object, "thread.message.file")
        assertLeftForTheBridge(files.requestID)
        let value8 = try await backend.listMessageFiles(threadID: thread.id, messageID: created.id, ListParams()).data.map(\.id)
        XCTAssertEqual(value8, ["file-2", "file-1"])
        let value9 = try await backend.retrieveMessageFile(threadID: thread.id, messageID: created.id, fileID: "file-2").id
        XCTAssertEqual(value9, "file-2")
        await assertAPIError(.notFound) { _ = try await backend.retrieveMessageFile(threadID: thread.id, messageID: created.id, fileID: "file-3") }
        await assertAPIError(.invalidParams, param: "before") {
            _ = try await backend.listMessageFiles(threadID: thread.id, messageID: created.id, ListParams(before: "file-3"))
        }
    }

    func testMessagesAreRefusedWhileARunIsActive() async throws {
        let backend = try makeBackend()
        let thread = try await backend.createThread(CreateThreadParams(nil))
        var run = Make.run(threadID: thread.id, status: .inProgress)
        try backend.store.insertRun(run)
        let params = try CreateMessageParams(["thread_id": .string(thread.id), "content": "more"])
        do {
            _ = try await backend.createMessage(params)
            XCTFail("a message was added during an active run")
        } catch let error as APIError {
            XCTAssertEqual(error.kind, .conflictingState)
            XCTAssertEqual(error.message, "Can't add messages to \(thread.id) while a run \(run.id) is active.")
            XCTAssertEqual(error.details["active_run_id"], .string(run.id))
        }
        XCTAssertEqual(try backend.store.messageCount(threadID: thread.id), 0)
        for status in [RunStatus.queued, .requiresAction, .cancelling] {
            run.status = status
            try backend.store.updateRun(run)
            await assertAPIError(.conflictingState) { _ = try await backend.createMessage(params) }
        }
        run.status = .completed
        try backend.store.updateRun(run)
        _ = try await backend.createMessage(params)
        XCTAssertEqual(try backend.store.messageCount(threadID: thread.id), 1)
    }

    func testRunsAndStepsOverStoredObjects() async throws {
        let backend = try makeBackend()
        let thread = try await backend.createThread(CreateThreadParams(nil))
        let other = try await backend.createThread(CreateThreadParams(nil))
        let first = Make.run(threadID: thread.id, status: .completed)
        var second = Make.run(threadID: thread.id, status: .completed)
        second.metadata = ["a": "1"]
        try backend.store.insertRun(first)
        try backend.store.insertRun(second)
        let reply = Make.message(threadID: thread.id, "answer", runID: second.id, role: "assistant")
        try backend.store.insertMessage(reply)
        try backend.store.insertMessage(Make.message(threadID: thread.id, "question"))
        let step = Make.step(second, details: .messageCreation(messageID: reply.id))
        try backend.store.insertStep(step)

        let runs = try await backend.listRuns(threadID: thread.id, ListParams())
        XCTAssertEqual(runs.data.map(\.id), [second.id, first.id])
        assertLeftForTheBridge(runs.requestID)
        XCTAssertNil(runs.data[0].requestID)
        let retrieved = try await backend.retrieveRun(threadID: thread.id, runID: second.id)
        XCTAssertEqual(retrieved.metadata, ["a": "1"])
        assertLeftForTheBridge(retrieved.requestID)
        await assertAPIError(.notFound) { _ = try await backend.retrieveRun(threadID: other.id, runID: second.id) }
        await assertAPIError(.notFound) { _ = try await backend.listRuns(threadID: "thread_nope", ListParams()) }

        let updated = try await backend.updateRun(threadID: thread.id, runID: second.id, metadata: ["b": "2"], raw: [:])
        XCTAssertEqual(updated.metadata, ["b": "2"])
        XCTAssertEqual(updated.status, .completed)
        XCTAssertEqual(try backend.store.run(id: second.id)?.metadata, ["b": "2"])
        await assertAPIError(.notFound) { _ = try await backend.updateRun(threadID: other.id, runID: second.id, metadata: [:], raw: [:]) }

        let byRun = try await backend.listMessages(ListMessagesParams(["thread_id": .string(thread.id), "run_id": .string(second.id)]))
        XCTAssertEqual(byRun.data.map(\.id), [reply.id])
        let unfiltered = try await backend.listMessages(ListMessagesParams(["thread_id": .string(thread.id), "run_id": ""]))
        XCTAssertEqual(unfiltered.data.count, 2, "an empty run_id filters nothing")

        let steps = try await backend.listSteps(threadID: thread.id, runID: second.id, ListParams())
        XCTAssertEqual(steps.data, [step])
        assertLeftForTheBridge(steps.requestID)
        let gotStep = try await backend.retrieveStep(threadID: thread.id, runID: second.id, stepID: step.id)
        XCTAssertEqual(gotStep.stepDetails.messageCreation?.messageID, reply.id)
        assertLeftForTheBridge(gotStep.requestID)
        await assertAPIError(.notFound) { _ = try await backend.retrieveStep(threadID: thread.id, runID: first.id, stepID: step.id) }
        await assertAPIError(.notFound) { _ = try await backend.listSteps(threadID: other.id, runID: second.id, ListParams()) }
        await assertAPIError(.invalidParams, param: "after") {
            _ = try await backend.listSteps(threadID: thread.id, runID: first.id, ListParams(after: step.id))
        }
    }

    func testRunMethodsNameWhatIsMissing() async throws {
        let backend = try makeBackend()
        let thread = try await backend.createThread(CreateThreadParams(nil))
        let create = try CreateRunParams(["thread_id": .string(thread.id), "assistant_id": "asst_1"])
        await assertAPIError(.notFound) { _ = try await backend.createRun(create) }
        await assertAPIError(.notFound) { _ = try await backend.streamRun(create) }
        let andRun = try CreateThreadAndRunParams(["assistant_id": "asst_1"])
        await assertAPIError(.notFound) { _ = try await backend.createThreadAndRun(andRun) }
        let submit = SubmitToolOutputsParams(threadID: thread.id, runID: "run_1", toolOutputs: [ToolOutput(toolCallID: "", output: "x")], stream: false)
        await assertAPIError(.notFound) { _ = try await backend.submitToolOutputs(submit) }
        await assertAPIError(.notFound) { _ = try await backend.waitRun(WaitRunParams(["thread_id": .string(thread.id), "run_id": "run_1"])) }
        await assertAPIError(.notFound) { _ = try await backend.cancelRun(threadID: thread.id, runID: "run_1") }
    }

    func testShutdownClosesTheStore() async throws {
        let backend = try makeBackend()
        await backend.shutdown()
        do {
            _ = try await backend.listAssistants(ListParams())
            XCTFail("a closed store answered")
        } catch {
            XCTAssertTrue(error is StoreError, "\(error)")
        }
    }
}
