import AssistantAPI
import DashScope
import Foundation
import JSONCore
import TestSupport
import XCTest

/// The official SDK runs its quick-start flows against the fake (so the fake is faithful), and
/// DashScopeBackend sends the same requests as the SDK for the same flows: paths, verbs,
/// query, bodies and the headers that matter.
final class SDKParityTests: DashScopeTestCase, @unchecked Sendable {
    func sdk() throws -> SDKParity.Recording {
        let result = try SDKParity.recording()
        if result.status == 3 {
            XCTFail("the official DashScope Python SDK is not installed; install it with: pip install dashscope==2.0.2\n\(result.output)")
        }
        return result
    }

    func testOfficialSDKRunsItsQuickStartFlowsAgainstTheFake() throws {
        let result = try sdk()
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("SDK FLOWS OK: 7 flows"), result.output)
    }

    // MARK: the same flows through the backend

    func testAssistantsFlowMatchesTheSDK() async throws {
        try await assertParity("assistants") { b in
            let tool = Self.weatherTool
            let created = try await b.createAssistant(CreateAssistantParams([
                "model": "qwen-max", "name": "helper", "description": "a helper", "instructions": "You are helpful.", "tools": [tool],
            ]))
            _ = try await b.retrieveAssistant(id: created.id)
            _ = try await b.createAssistant(CreateAssistantParams(["model": "qwen-plus"]))
            _ = try await b.listAssistants(ListParams(["limit": 10, "order": "asc"]))
            _ = try await b.listAssistants(ListParams(["after": .string(created.id), "order": "asc"]))
            _ = try await b.updateAssistant(UpdateAssistantParams([
                "assistant_id": .string(created.id), "name": "renamed", "instructions": "Be brief.",
            ]))
            let file = try AssistantFileParams(["assistant_id": .string(created.id), "file_id": "file-abc"])
            _ = try await b.createAssistantFile(file)
            _ = try await b.listAssistantFiles(assistantID: created.id, ListParams(nil))
            _ = try await b.retrieveAssistantFile(file)
            _ = try await b.deleteAssistantFile(file)
            _ = try await b.deleteAssistant(id: created.id)
            _ = try? await b.retrieveAssistant(id: created.id)
        }
    }

    func testThreadsAndMessagesFlowMatchesTheSDK() async throws {
        try await assertParity("threads_messages") { b in
            _ = try await b.createThread(CreateThreadParams(nil))
            let thread = try await b.createThread(CreateThreadParams([
                "messages": [["role": "user", "content": "Hello"]], "metadata": ["topic": "greeting"],
            ]))
            _ = try await b.retrieveThread(id: thread.id)
            _ = try await b.updateThread(id: thread.id, metadata: nil, raw: ["thread_id": .string(thread.id), "metadata": ["topic": "changed"]])
            let message = try await b.createMessage(CreateMessageParams([
                "thread_id": .string(thread.id), "content": "How does AI work?", "file_ids": ["file-1"], "metadata": ["k": "v"],
            ]))
            _ = try await b.listMessages(ListMessagesParams(["thread_id": .string(thread.id), "limit": 5, "order": "asc"]))
            _ = try await b.retrieveMessage(threadID: thread.id, messageID: message.id)
            _ = try await b.updateMessage(threadID: thread.id, messageID: message.id, metadata: nil, raw: [
                "thread_id": .string(thread.id), "message_id": .string(message.id), "metadata": ["k": "w"],
            ])
            _ = try await b.listMessageFiles(threadID: thread.id, messageID: message.id, ListParams(nil))
            _ = try await b.retrieveMessageFile(threadID: thread.id, messageID: message.id, fileID: "file-1")
            _ = try await b.deleteThread(id: thread.id)
        }
    }

    func testRunAndPollFlowMatchesTheSDK() async throws {
        try await assertParity("run_poll") { b in
            let assistant = try await b.createAssistant(CreateAssistantParams(["model": "qwen-max", "instructions": "You are helpful."]))
            let thread = try await b.createThread(CreateThreadParams(nil))
            _ = try await b.createMessage(CreateMessageParams(["thread_id": .string(thread.id), "content": "Tell me a joke"]))
            let run = try await b.createRun(CreateRunParams([
                "thread_id": .string(thread.id), "assistant_id": .string(assistant.id), "metadata": ["try": "1"],
            ]))
            _ = try await b.waitRun(WaitRunParams(["thread_id": .string(thread.id), "run_id": .string(run.id)]))
            _ = try await b.listMessages(ListMessagesParams(["thread_id": .string(thread.id)]))
            let steps = try await b.listSteps(threadID: thread.id, runID: run.id, ListParams(nil))
            _ = try await b.retrieveStep(threadID: thread.id, runID: run.id, stepID: steps.data[0].id)
            _ = try await b.listRuns(threadID: thread.id, ListParams(["limit": 1]))
            _ = try await b.updateRun(threadID: thread.id, runID: run.id, metadata: nil, raw: [
                "thread_id": .string(thread.id), "run_id": .string(run.id), "metadata": ["try": "2"],
            ])
        }
    }

    func testFunctionCallFlowMatchesTheSDK() async throws {
        try await assertParity("function_call") { b in
            let assistant = try await b.createAssistant(CreateAssistantParams(["model": "qwen-max", "tools": [Self.weatherTool]]))
            let thread = try await b.createThread(CreateThreadParams(nil))
            _ = try await b.createMessage(CreateMessageParams([
                "thread_id": .string(thread.id), "content": "Use get_current_weather for Hangzhou",
            ]))
            let run = try await b.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)]))
            let wait = try WaitRunParams(["thread_id": .string(thread.id), "run_id": .string(run.id)])
            _ = try await b.waitRun(wait)
            _ = try await b.submitToolOutputs(SubmitToolOutputsParams([
                "thread_id": .string(thread.id), "run_id": .string(run.id),
                "tool_outputs": [["tool_call_id": "", "output": "sunny, 24C"]],
            ]))
            _ = try await b.waitRun(wait)
            _ = try await b.listMessages(ListMessagesParams(["thread_id": .string(thread.id)]))
        }
    }

    func testStreamFlowMatchesTheSDK() async throws {
        try await assertParity("stream") { b in
            let assistant = try await b.createAssistant(CreateAssistantParams(["model": "qwen-max", "tools": [Self.weatherTool]]))
            let thread = try await b.createThread(CreateThreadParams(nil))
            _ = try await b.createMessage(CreateMessageParams(["thread_id": .string(thread.id), "content": "Say hello"]))
            let runParams = try CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id), "stream": true])
            _ = try await self.collect(try await b.streamRun(runParams))
            _ = try await b.createMessage(CreateMessageParams([
                "thread_id": .string(thread.id), "content": "get_current_weather in Beijing?",
            ]))
            let events = try await self.collect(try await b.streamRun(runParams))
            let run = try XCTUnwrap(events.compactMap(\.run).last)
            _ = try await self.collect(try await b.streamSubmitToolOutputs(SubmitToolOutputsParams([
                "thread_id": .string(thread.id), "run_id": .string(run.id),
                "tool_outputs": [["tool_call_id": "", "output": "rain"]], "stream": true,
            ])))
        }
    }

    func testCreateThreadAndRunFlowMatchesTheSDK() async throws {
        try await assertParity("create_thread_and_run") { b in
            let assistant = try await b.createAssistant(CreateAssistantParams(["model": "qwen-max"]))
            let run = try await b.createThreadAndRun(CreateThreadAndRunParams([
                "assistant_id": .string(assistant.id), "thread": ["messages": [["role": "user", "content": "Hi"]]],
            ]))
            _ = try await b.waitRun(WaitRunParams(["thread_id": .string(run.threadID), "run_id": .string(run.id)]))
            _ = try await self.collect(try await b.streamThreadAndRun(CreateThreadAndRunParams([
                "assistant_id": .string(assistant.id), "thread": ["messages": [["role": "user", "content": "Hey"]]], "stream": true,
            ])))
        }
    }

    func testCancelFlowMatchesTheSDK() async throws {
        try await assertParity("cancel") { b in
            let assistant = try await b.createAssistant(CreateAssistantParams(["model": "qwen-max"]))
            let thread = try await b.createThread(CreateThreadParams(nil))
            _ = try await b.createMessage(CreateMessageParams(["thread_id": .string(thread.id), "content": "Hi"]))
            let run = try await b.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": .string(assistant.id)]))
            _ = try? await b.cancelRun(threadID: thread.id, runID: run.id)
        }
    }

    // MARK: comparison

    func assertParity(_ flow: String, file: StaticString = #filePath, line: UInt = #line, _ body: (DashScopeBackend) async throws -> Void) async throws {
        try await fake.reset()
        try await body(backend())
        let ours = try await fake.requests()
        for difference in try SDKParity.differences(flow, ours: ours) { XCTFail(difference, file: file, line: line) }
        // Headers that are ours alone.
        for request in ours {
            let agent = request["headers"]?["user-agent"]?.stringValue ?? ""
            XCTAssertTrue(agent.hasPrefix("assistd/"), "user agent \(agent)", file: file, line: line)
        }
    }
}
