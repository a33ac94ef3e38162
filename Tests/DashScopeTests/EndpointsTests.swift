import AssistantAPI
import DashScope
import Foundation
import JSONCore
import TestSupport
import XCTest

/// Every method of the backend, end to end against the fake service.
final class EndpointsTests: DashScopeTestCase, @unchecked Sendable {
    func testAssistantsAndAssistantFiles() async throws {
        let backend = backend()
        let created = try await makeAssistant(backend, tools: [Self.weatherTool])
        XCTAssertTrue(created.id.hasPrefix("asst_"))
        XCTAssertEqual(created.model, "qwen-max")
        XCTAssertEqual(created.tools.first?.function?.name, "get_current_weather")
        XCTAssertNotNil(created.requestID)
        XCTAssertGreaterThan(created.createdAt, 1_000_000_000_000, "timestamps are milliseconds")

        let second = try await backend.createAssistant(CreateAssistantParams(["model": "qwen-plus", "name": "second"]))
        let retrieved = try await backend.retrieveAssistant(id: created.id)
        XCTAssertEqual(retrieved.id, created.id)
        XCTAssertEqual(retrieved.instructions, "You are helpful.")

        let ascending = try await backend.listAssistants(ListParams(["limit": 10, "order": "asc"]))
        XCTAssertEqual(ascending.data.map(\.id), [created.id, second.id])
        XCTAssertEqual(ascending.firstID, created.id)
        XCTAssertFalse(ascending.hasMore)
        let descending = try await backend.listAssistants(ListParams(nil))
        XCTAssertEqual(descending.data.map(\.id), [second.id, created.id])
        let page = try await backend.listAssistants(ListParams(["limit": 1, "order": "asc", "after": .string(created.id)]))
        XCTAssertEqual(page.data.map(\.id), [second.id])

        let updated = try await backend.updateAssistant(
            UpdateAssistantParams(["assistant_id": .string(created.id), "name": "renamed", "temperature": 0.5]))
        XCTAssertEqual(updated.name, "renamed")
        XCTAssertEqual(updated.temperature, 0.5)

        let fileParams = try AssistantFileParams(["assistant_id": .string(created.id), "file_id": "file-abc"])
        let file = try await backend.createAssistantFile(fileParams)
        XCTAssertEqual(file.id, "file-abc")
        XCTAssertEqual(file.assistantID, created.id)
        let files = try await backend.listAssistantFiles(assistantID: created.id, ListParams(nil))
        XCTAssertEqual(files.data.map(\.id), ["file-abc"])
        let fetched = try await backend.retrieveAssistantFile(fileParams)
        XCTAssertEqual(fetched.object, "assistant.file")
        let fileDeleted = try await backend.deleteAssistantFile(fileParams)
        XCTAssertTrue(fileDeleted.deleted)

        let deleted = try await backend.deleteAssistant(id: created.id)
        XCTAssertEqual(deleted.object, "assistant.deleted")
        XCTAssertTrue(deleted.deleted)
        let error = await apiError { _ = try await backend.retrieveAssistant(id: created.id) }
        XCTAssertEqual(error?.kind, .notFound)
        XCTAssertEqual(error?.statusCode, 404)
        XCTAssertEqual(error?.code, "NotFound")
        XCTAssertNotNil(error?.requestID)
    }

    func testThreadsMessagesAndMessageFiles() async throws {
        let backend = backend()
        let empty = try await backend.createThread(CreateThreadParams(nil))
        XCTAssertTrue(empty.id.hasPrefix("thread_"))
        let thread = try await backend.createThread(CreateThreadParams([
            "messages": [["role": "user", "content": "Hello"]], "metadata": ["topic": "greeting"],
        ]))
        XCTAssertEqual(thread.metadata, ["topic": "greeting"])
        let retrieved = try await backend.retrieveThread(id: thread.id)
        XCTAssertEqual(retrieved.id, thread.id)
        let updated = try await backend.updateThread(id: thread.id, metadata: ["topic": "changed"], raw: [
            "thread_id": .string(thread.id), "metadata": ["topic": "changed"],
        ])
        XCTAssertEqual(updated.metadata, ["topic": "changed"])

        let message = try await backend.createMessage(CreateMessageParams([
            "thread_id": .string(thread.id), "content": "How does AI work?", "file_ids": ["file-1"], "metadata": ["k": "v"],
        ]))
        XCTAssertTrue(message.id.hasPrefix("message_"))
        XCTAssertEqual(message.text, "How does AI work?")
        XCTAssertEqual(message.assistantID, "", "the service writes \"\" on user messages")
        let listed = try await backend.listMessages(ListMessagesParams(["thread_id": .string(thread.id), "order": "asc"]))
        XCTAssertEqual(listed.data.map(\.text), ["Hello", "How does AI work?"])
        let one = try await backend.retrieveMessage(threadID: thread.id, messageID: message.id)
        XCTAssertEqual(one.fileIDs, ["file-1"])
        let changed = try await backend.updateMessage(threadID: thread.id, messageID: message.id, metadata: ["k": "w"], raw: [
            "thread_id": .string(thread.id), "message_id": .string(message.id), "metadata": ["k": "w"],
        ])
        XCTAssertEqual(changed.metadata, ["k": "w"])
        let files = try await backend.listMessageFiles(threadID: thread.id, messageID: message.id, ListParams(nil))
        XCTAssertEqual(files.data.map(\.id), ["file-1"])
        let file = try await backend.retrieveMessageFile(threadID: thread.id, messageID: message.id, fileID: "file-1")
        XCTAssertEqual(file.messageID, message.id)

        let deleted = try await backend.deleteThread(id: thread.id)
        XCTAssertEqual(deleted.object, "thread.deleted")
        let error = await apiError { _ = try await backend.retrieveThread(id: thread.id) }
        XCTAssertEqual(error?.kind, .notFound)
    }

    func testRunCreateWaitStepsListUpdate() async throws {
        let backend = backend()
        let assistant = try await makeAssistant(backend)
        let thread = try await makeThread(backend, saying: "Tell me a joke")
        let run = try await backend.createRun(CreateRunParams([
            "thread_id": .string(thread.id), "assistant_id": .string(assistant.id), "metadata": ["try": "1"],
        ]))
        XCTAssertEqual(run.status, .inProgress, "the service answers a non-stream create with the run in progress")
        let finished = try await backend.waitRun(WaitRunParams(["thread_id": .string(thread.id), "run_id": .string(run.id)]))
        XCTAssertEqual(finished.status, .completed)
        XCTAssertNil(finished.requiredAction, "a GET's required_action {} decodes as none")

        let messages = try await backend.listMessages(ListMessagesParams(["thread_id": .string(thread.id)]))
        XCTAssertEqual(messages.data.first?.role, "assistant")
        XCTAssertEqual(messages.data.first?.text, "You said: Tell me a joke")
        let byRun = try await backend.listMessages(ListMessagesParams(["thread_id": .string(thread.id), "run_id": .string(run.id)]))
        XCTAssertEqual(byRun.data.count, 1)

        let steps = try await backend.listSteps(threadID: thread.id, runID: run.id, ListParams(nil))
        XCTAssertEqual(steps.data.map(\.type), ["message_creation"])
        XCTAssertEqual(steps.data.first?.stepDetails.messageCreation?.messageID, messages.data.first?.id)
        let step = try await backend.retrieveStep(threadID: thread.id, runID: run.id, stepID: steps.data[0].id)
        XCTAssertEqual(step.status, .completed)

        let runs = try await backend.listRuns(threadID: thread.id, ListParams(["limit": 1]))
        XCTAssertEqual(runs.data.map(\.id), [run.id])
        let updated = try await backend.updateRun(threadID: thread.id, runID: run.id, metadata: ["try": "2"], raw: [
            "thread_id": .string(thread.id), "run_id": .string(run.id), "metadata": ["try": "2"],
        ])
        XCTAssertEqual(updated.metadata, ["try": "2"])
        let retrieved = try await backend.retrieveRun(threadID: thread.id, runID: run.id)
        XCTAssertEqual(retrieved.usage?.totalTokens, retrieved.usage.map { $0.promptTokens + $0.completionTokens })
    }

    func testFunctionToolRequiresActionThenSubmit() async throws {
        let backend = backend()
        let assistant = try await makeAssistant(backend, tools: [Self.weatherTool])
        let thread = try await makeThread(backend, saying: "Use get_current_weather for Hangzhou")
        let run = try await backend.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)]))
        let waiting = try await backend.waitRun(WaitRunParams(["thread_id": .string(thread.id), "run_id": .string(run.id)]))
        XCTAssertEqual(waiting.status, .requiresAction)
        let call = try XCTUnwrap(waiting.requiredAction?.submitToolOutputs?.toolCalls.first)
        XCTAssertEqual(call.function?.name, "get_current_weather")
        XCTAssertEqual(try JSONValue.parse(call.function?.arguments ?? ""), ["location": "Use get_current_weather for Hangzhou"])

        let submitted = try await backend.submitToolOutputs(SubmitToolOutputsParams([
            "thread_id": .string(thread.id), "run_id": .string(run.id),
            "tool_outputs": [["tool_call_id": .string(call.id), "output": "sunny, 24C"]],
        ]))
        XCTAssertEqual(submitted.status, .inProgress)
        let done = try await backend.waitRun(WaitRunParams(["thread_id": .string(thread.id), "run_id": .string(run.id)]))
        XCTAssertEqual(done.status, .completed)
        let messages = try await backend.listMessages(ListMessagesParams(["thread_id": .string(thread.id)]))
        XCTAssertEqual(messages.data.first?.text, "get_current_weather returned: sunny, 24C")
        let steps = try await backend.listSteps(threadID: thread.id, runID: run.id, ListParams(["order": "asc"]))
        XCTAssertEqual(steps.data.map(\.type), ["tool_calls", "message_creation"])
        XCTAssertEqual(steps.data.first?.stepDetails.toolCalls?.first?.function?.output, "sunny, 24C")
    }

    func testCreateThreadAndRun() async throws {
        let backend = backend()
        let assistant = try await makeAssistant(backend)
        let run = try await backend.createThreadAndRun(CreateThreadAndRunParams([
            "assistant_id": .string(assistant.id), "thread": ["messages": [["role": "user", "content": "Hi"]]],
        ]))
        XCTAssertTrue(run.threadID.hasPrefix("thread_"))
        XCTAssertEqual(run.status, .inProgress)
        let done = try await backend.waitRun(WaitRunParams(["thread_id": .string(run.threadID), "run_id": .string(run.id)]))
        XCTAssertEqual(done.status, .completed)
        let messages = try await backend.listMessages(ListMessagesParams(["thread_id": .string(run.threadID), "order": "asc"]))
        XCTAssertEqual(messages.data.map(\.text), ["Hi", "You said: Hi"])
    }

    func testWaitRunReturnsTheRunAsItStandsAtItsTimeout() async throws {
        try await fake.knobs(["run_ms": 600_000])
        let backend = backend()
        let assistant = try await makeAssistant(backend)
        let thread = try await makeThread(backend, saying: "slow")
        let run = try await backend.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)]))
        let waited = try await backend.waitRun(WaitRunParams([
            "thread_id": .string(thread.id), "run_id": .string(run.id), "timeout_ms": 150,
        ]))
        XCTAssertEqual(waited.status, .inProgress)
        let polls = try await fake.requests().filter { $0["method"] == "GET" && $0["path"]?.stringValue?.hasSuffix(run.id) == true }
        XCTAssertGreaterThan(polls.count, 1, "wait polls more than once within its timeout")
    }

    func testWaitRunStopsWhenItsTaskIsCancelled() async throws {
        try await fake.knobs(["run_ms": 600_000])
        let backend = backend()
        let assistant = try await makeAssistant(backend)
        let thread = try await makeThread(backend, saying: "slow")
        let run = try await backend.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)]))
        let params = try WaitRunParams(["thread_id": .string(thread.id), "run_id": .string(run.id)])
        let waiting = Task { try await backend.waitRun(params) }
        // Let it poll a few times, then cancel it as $/cancelRequest does.
        while try await fake.requests().filter({ $0["path"]?.stringValue?.hasSuffix(run.id) == true }).count < 3 {
            try await Task.sleep(for: .milliseconds(10))
        }
        waiting.cancel()
        do {
            let run = try await waiting.value
            XCTFail("wait should have been cancelled, returned \(run.status)")
        } catch {
            XCTAssertTrue(error is CancellationError, "got \(error)")
        }
    }

    func testCancelRunIsUnsupportedWhenTheServiceRefusesIt() async throws {
        let backend = backend()
        let assistant = try await makeAssistant(backend)
        let thread = try await makeThread(backend, saying: "hi")
        let run = try await backend.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)]))
        let refused = await apiError { _ = try await backend.cancelRun(threadID: thread.id, runID: run.id) }
        XCTAssertEqual(refused?.kind, .unsupportedByBackend)
        XCTAssertEqual(refused?.statusCode, 404)
        XCTAssertNotNil(refused?.requestID)
        let cancel = try await fake.requests().first { $0["path"]?.stringValue?.hasSuffix("/cancel") == true }
        XCTAssertEqual(cancel?["method"], "POST")
        XCTAssertEqual(cancel?["body_text"], "", "cancel sends no body")
        XCTAssertNil(cancel?["headers"]?["content-type"], "cancel sends no Content-Type")

        let unknown = await apiError { _ = try await backend.cancelRun(threadID: thread.id, runID: "run_missing") }
        XCTAssertEqual(unknown?.kind, .notFound, "an unknown run is not found, not unsupported")
    }

    func testCancelRunWhenTheServiceSupportsIt() async throws {
        try await fake.knobs(["cancel_supported": true, "run_ms": 600_000])
        let backend = backend()
        let assistant = try await makeAssistant(backend)
        let thread = try await makeThread(backend, saying: "hi")
        let run = try await backend.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)]))
        let cancelled = try await backend.cancelRun(threadID: thread.id, runID: run.id)
        XCTAssertEqual(cancelled.status, .cancelled)
    }

    func testASecondRunOnABusyThreadIsAConflict() async throws {
        try await fake.knobs(["run_ms": 600_000])
        let backend = backend()
        let assistant = try await makeAssistant(backend)
        let thread = try await makeThread(backend, saying: "hi")
        let run = try await backend.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)]))
        let error = await apiError {
            _ = try await backend.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)]))
        }
        XCTAssertEqual(error?.kind, .conflictingState)
        XCTAssertEqual(error?.details["active_run_id"], .string(run.id))
        XCTAssertEqual(error?.statusCode, 400)
    }

    func testInfoNamesTheBackendAndNeverTheKey() throws {
        let info = backend().info
        XCTAssertEqual(info["name"], "dashscope")
        XCTAssertEqual(info["base_url"], .string(fake.baseURL))
        XCTAssertEqual(info["workspace"], "ws-test")
        XCTAssertFalse(JSONValue.object(info).serializedString().contains(FakeDashScopeServer.apiKey))
    }

    func testConnectionsAreReused() async throws {
        let backend = backend()
        let thread = try await backend.createThread(CreateThreadParams(nil))
        for _ in 0..<5 { _ = try await backend.retrieveThread(id: thread.id) }
        let ports = Set(try await fake.requests().compactMap { $0["client_port"]?.intValue })
        XCTAssertEqual(ports.count, 1, "six sequential calls should share one keep-alive connection, used \(ports)")
    }
}
