import AssistantAPI
import JSONCore
import XCTest

/// Decoding the service's own samples (quirks included), and round trips through `wireJSON`.
final class CodecFixtureTests: XCTestCase {
    /// decode → wireJSON → decode gives the same value, and wireJSON is stable from then on.
    func assertRoundTrips<T: WireObject & Equatable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let wire = try value.wireJSON()
        let again = try T(wireJSON: wire)
        XCTAssertEqual(again, value, "round trip changed the value", file: file, line: line)
        XCTAssertEqual(try again.wireJSON(), wire, "wire JSON not stable", file: file, line: line)
        // The service writes unset fields as null rather than leaving them out.
        guard case .object(let object) = wire else { return XCTFail("wire JSON is not an object", file: file, line: line) }
        for key in T.CodingKeys.allCases {
            XCTAssertNotNil(object[key.stringValue], "wire JSON lacks \(key.stringValue)", file: file, line: line)
        }
    }

    func decode<T: WireObject & Equatable>(_ type: T.Type, _ name: String) throws -> T {
        let value = try T(wireJSON: try Fixture.json(name))
        try assertRoundTrips(value)
        return value
    }

    /// Every JSON fixture decodes as the type its `object` names, and round-trips.
    func testEveryFixtureDecodesAsItsObjectType() throws {
        let names = try Fixture.names()
        XCTAssertGreaterThanOrEqual(names.count, 31)
        for name in names {
            let json = try Fixture.json(name)
            let object = json["object"]?.stringValue
            switch object {
            case "assistant": _ = try decode(Assistant.self, name)
            case "assistant.file": _ = try decode(AssistantFile.self, name)
            case "thread": _ = try decode(ThreadObject.self, name)
            case "thread.message": _ = try decode(Message.self, name)
            case "thread.message.file": _ = try decode(MessageFile.self, name)
            case "thread.message.delta": _ = try decode(MessageDelta.self, name)
            case "thread.run": _ = try decode(Run.self, name)
            case "thread.run.step": _ = try decode(RunStep.self, name)
            case "thread.deleted", "assistant.deleted": _ = try decode(DeletionStatus.self, name)
            case "list":
                switch json["data"]?.arrayValue?.first?["object"]?.stringValue {
                case "thread.run": _ = try ListPage<Run>(wireJSON: json)
                case "thread.run.step": _ = try ListPage<RunStep>(wireJSON: json)
                case let other: XCTFail("\(name): list of \(other ?? "nothing")")
                }
            default: XCTFail("\(name): no codec for object \(object ?? "nil")")
            }
        }
    }

    // MARK: runs

    func testStreamedRunWithNullsEverywhere() throws {
        let run = try decode(Run.self, "seed_stream_run_created.json")
        XCTAssertEqual(run.id, "run_04fba6a3-3ac9-42e8-ba2b-9b5c889a8d58")
        XCTAssertEqual(run.object, "thread.run")
        XCTAssertEqual(run.createdAt, 1_714_448_101_996)
        XCTAssertEqual(run.threadID, "thread_5b7824dc-dbf9-4538-b214-624ee199caa4")
        XCTAssertEqual(run.assistantID, "asst_5378d83a-f612-4fc1-9034-915351d67d98")
        XCTAssertEqual(run.status, .queued)
        XCTAssertNil(run.requiredAction)
        XCTAssertNil(run.lastError)
        XCTAssertNil(run.expiresAt)
        XCTAssertNil(run.startedAt)
        XCTAssertNil(run.completedAt)
        XCTAssertNil(run.usage)
        XCTAssertNil(run.temperature)
        XCTAssertNil(run.truncationStrategy)
        XCTAssertEqual(run.model, "qwen-max")
        XCTAssertEqual(run.tools.map(\.type), ["text_to_image", "function"])
        XCTAssertEqual(run.tools[1].function?.name, "get_current_weather")
        XCTAssertEqual(run.tools[1].function?.parameters?["required"], ["location"])
        XCTAssertEqual(run.fileIDs, [])
        XCTAssertEqual(run.metadata, [:])
        XCTAssertEqual(run.requestID, "f38314af-21c4-945e-acdc-cb9765d1d48f")
    }

    func testCompletedRunUsageInServiceSpelling() throws {
        let run = try decode(Run.self, "seed_stream_run_completed.json")
        XCTAssertEqual(run.status, .completed)
        XCTAssertTrue(run.status.isTerminal)
        XCTAssertEqual(run.usage, Usage(promptTokens: 419, completionTokens: 16))
        XCTAssertEqual(run.usage?.totalTokens, 435)
        // Both spellings are written, so clients of either family find theirs.
        let usage = try run.wireJSON()["usage"]
        XCTAssertEqual(usage?["input_tokens"], 419)
        XCTAssertEqual(usage?["prompt_tokens"], 419)
        XCTAssertEqual(usage?["output_tokens"], 16)
        XCTAssertEqual(usage?["completion_tokens"], 16)
        XCTAssertEqual(usage?["total_tokens"], 435)
    }

    /// Older samples write "none" as `{}` and timestamps as `0`.
    func testRetrievedRunWithEmptyObjectsAndZeroTimestamps() throws {
        let run = try decode(Run.self, "seed_run_retrieve.json")
        XCTAssertEqual(run.status, .completed)
        XCTAssertNil(run.requiredAction, "{} means no required action")
        XCTAssertNil(run.lastError, "{} means no error")
        XCTAssertEqual(run.expiresAt, 0)
        XCTAssertEqual(run.startedAt, 0)
        XCTAssertEqual(run.cancelledAt, 0)
        XCTAssertEqual(run.failedAt, 0)
        XCTAssertEqual(run.completedAt, 0)
        XCTAssertEqual(run.usage, Usage(promptTokens: 66, completionTokens: 9))
        XCTAssertEqual(run.tools.map(\.type), ["search", "text_to_image"])
        XCTAssertEqual(try run.wireJSON()["required_action"], .null)
    }

    func testUpdatedRunKeepsMetadata() throws {
        let run = try decode(Run.self, "seed_run_update.json")
        XCTAssertEqual(run.metadata, ["user": "abc123"])
        XCTAssertEqual(run.requestID, "bb6a5c5c-146f-95b8-bafa-e6c467e4f2d3")
    }

    /// The submit answer still carries the old required_action; the tool call id is "".
    func testSubmitAnswerWithRequiredActionAndEmptyToolCallID() throws {
        let run = try decode(Run.self, "seed_run_submit_tool_outputs.json")
        XCTAssertEqual(run.status, .inProgress)
        XCTAssertTrue(run.status.isActive)
        let calls = try XCTUnwrap(run.requiredAction?.submitToolOutputs?.toolCalls)
        XCTAssertEqual(calls.count, 1)
        XCTAssertEqual(calls[0].id, "")
        XCTAssertEqual(calls[0].type, "function")
        XCTAssertEqual(calls[0].function?.name, "get_current_weather")
        XCTAssertEqual(calls[0].function?.arguments, #"{"location": "Singapore"}"#)
        XCTAssertNil(calls[0].function?.output)
        XCTAssertEqual(run.requiredAction?.type, "submit_tool_outputs")
        XCTAssertNil(run.lastError)
        XCTAssertNil(run.usage)
        XCTAssertEqual(run.completedAt, 0)
    }

    /// The SDK's printout adds `account_id` and `status_code`: tolerated, not kept.
    func testUnknownFieldsAreTolerated() throws {
        let run = try decode(Run.self, "seed_run_sdk_output_extra_fields.json")
        XCTAssertEqual(run.status, .inProgress)
        XCTAssertEqual(run.model, "qwen-max-allinone")
        XCTAssertEqual(run.tools[1].function?.name, "big_add")
        XCTAssertNil(try run.wireJSON()["account_id"])
        XCTAssertNil(try run.wireJSON()["status_code"])

        let thread = try decode(ThreadObject.self, "seed_thread_sdk_output_extra_fields.json")
        XCTAssertEqual(thread.id, "thread_97934051-2c15-44bf-97de-310039d873f9")
        XCTAssertEqual(thread.createdAt, 1_711_338_305_031)
    }

    /// The create answers leave out most fields; they decode as unset.
    func testMinimalCreateAnswers() throws {
        let run = try decode(Run.self, "seed_run_create.json")
        XCTAssertEqual(run.status, .inProgress)
        XCTAssertNil(run.usage)
        XCTAssertEqual(run.fileIDs, [])
        let andRun = try decode(Run.self, "seed_run_create_thread_and_run.json")
        XCTAssertEqual(andRun.threadID, "thread_9157dfad-71fd-4add-b7a9-1afa452d2d67")
        XCTAssertEqual(andRun.tools.count, 2)
    }

    func testUnknownRunStatusIsKept() throws {
        var json = try Fixture.json("seed_run_create.json").objectValue!
        json["status"] = "paused_by_operator"
        let run = try Run(wireJSON: .object(json))
        XCTAssertEqual(run.status, .other("paused_by_operator"))
        XCTAssertFalse(run.status.isTerminal)
        XCTAssertEqual(try run.wireJSON()["status"], "paused_by_operator")
        for status in ["queued", "in_progress", "requires_action", "cancelling", "cancelled", "failed", "completed", "expired", "incomplete"] {
            XCTAssertEqual(RunStatus(rawValue: status).rawValue, status)
        }
    }

    func testRunListEnvelope() throws {
        let page = try ListPage<Run>(wireJSON: try Fixture.json("seed_runs_list.json"))
        XCTAssertEqual(page.object, "list")
        XCTAssertEqual(page.data.count, 1)
        XCTAssertFalse(page.hasMore)
        XCTAssertEqual(page.firstID, "run_3de634fa-75d4-4370-adcf-92ba2a60c396")
        XCTAssertEqual(page.lastID, page.firstID)
        XCTAssertEqual(page.requestID, "ff3d2aea-555c-9825-80ca-24029a636641")
        XCTAssertNil(page.data[0].requestID, "items inside a list carry no request_id")
        XCTAssertNil(page.data[0].requiredAction)
        let wire = try page.wireJSON()
        let again = try ListPage<Run>(wireJSON: wire)
        XCTAssertEqual(again.data, page.data)
        XCTAssertEqual(again.firstID, page.firstID)
        XCTAssertEqual(wire["has_more"], false)
    }

    func testEmptyListWritesNullCursors() throws {
        var page = ListPage<Run>(data: [], hasMore: false, firstID: nil, lastID: nil)
        page.requestID = "r"
        let wire = try page.wireJSON()
        XCTAssertEqual(wire["first_id"], .null)
        XCTAssertEqual(wire["last_id"], .null)
        XCTAssertEqual(wire["data"], [])
        XCTAssertEqual(wire["object"], "list")
    }

    // MARK: steps

    /// Step lists write "none" as `{"code":"","message":""}`, `-1`, `0` and `usage: {}`.
    func testStepListWithServiceQuirks() throws {
        let page = try ListPage<RunStep>(wireJSON: try Fixture.json("seed_steps_list.json"))
        let step = try XCTUnwrap(page.data.first)
        try assertRoundTrips(step)
        XCTAssertEqual(step.type, RunStep.messageCreation)
        XCTAssertEqual(step.status, .completed)
        XCTAssertNil(step.lastError, "an empty code and message mean no error")
        XCTAssertEqual(step.cancelledAt, -1)
        XCTAssertEqual(step.failedAt, -1)
        XCTAssertEqual(step.completedAt, -1)
        XCTAssertNil(step.usage, "usage {} means none")
        XCTAssertEqual(step.stepDetails.messageCreation?.messageID, "message_75c67937-a829-4741-ae83-6839cae81269")
        XCTAssertNil(step.stepDetails.toolCalls)
    }

    func testRetrievedStep() throws {
        let step = try decode(RunStep.self, "seed_step_retrieve.json")
        XCTAssertEqual(step.runID, "run_3de634fa-75d4-4370-adcf-92ba2a60c396")
        XCTAssertEqual(step.requestID, "938643a3-d56d-966f-8c17-2cb09772475e")
    }

    /// The page also shows an OpenAI-style step: short ids, second timestamps, prompt/completion usage.
    func testOpenAIStyleStep() throws {
        let step = try decode(RunStep.self, "seed_step_openai_style.json")
        XCTAssertEqual(step.id, "step_1")
        XCTAssertEqual(step.completedAt, 1_709_866_473)
        XCTAssertEqual(step.usage, Usage(promptTokens: 809, completionTokens: 25))
        XCTAssertEqual(step.metadata, [:])
        XCTAssertEqual(step.stepDetails.messageCreation?.messageID, "msg_1")
    }

    func testToolCallsStepWithOutput() throws {
        let step = try decode(RunStep.self, "seed_stream_step_tool_calls_completed.json")
        XCTAssertEqual(step.type, RunStep.toolCalls)
        let call = try XCTUnwrap(step.stepDetails.toolCalls?.first)
        XCTAssertEqual(call.id, "")
        XCTAssertEqual(call.function, FunctionCall(name: "get_current_weather", arguments: #"{"location": "Xi'an"}"#, output: "rain"))
    }

    func testBuiltinToolCallKeptAsGiven() throws {
        let json: JSONValue = [
            "type": "quark_search", "quark_search": ["arguments": #"{"q":"x"}"#, "output": "[]"],
        ]
        let call = try json.decode(ToolCall.self)
        XCTAssertEqual(call.type, "quark_search")
        XCTAssertNil(call.function)
        XCTAssertEqual(call.builtin?["arguments"], #"{"q":"x"}"#)
        XCTAssertEqual(try JSONValue(encoding: call)["quark_search"]?["output"], "[]")
        XCTAssertEqual(try JSONValue(encoding: call)["id"], "")
    }

    func testStreamedStepsCompleteWithTimestamp() throws {
        let created = try decode(RunStep.self, "seed_stream_step_created.json")
        let completed = try decode(RunStep.self, "seed_stream_step_completed.json")
        XCTAssertEqual(created.status, .inProgress)
        XCTAssertNil(created.completedAt)
        XCTAssertEqual(completed.status, .completed)
        XCTAssertEqual(completed.completedAt, 1_714_448_104_154)
        XCTAssertEqual(created.id, completed.id)
    }

    // MARK: messages

    func testStreamedMessages() throws {
        let created = try decode(Message.self, "seed_stream_message_created.json")
        XCTAssertEqual(created.role, "assistant")
        XCTAssertEqual(created.content, [])
        XCTAssertEqual(created.runID, "run_04fba6a3-3ac9-42e8-ba2b-9b5c889a8d58")
        XCTAssertNil(created.completedAt)
        let completed = try decode(Message.self, "seed_stream_message_completed.json")
        XCTAssertEqual(completed.text, "999 times 998 equals 997002.")
        XCTAssertEqual(completed.content.first?.text?.annotations, [])
        XCTAssertEqual(completed.completedAt, 1_714_448_104_154)
    }

    /// A user message as the service returns it: `""` ids and status, `{}` details, `0` times,
    /// and fields this type does not model (`name`, `plugin_call`, `tool_calls`).
    func testUserMessageWithServiceSpellingsOfUnset() throws {
        let message = try decode(Message.self, "ref_user_message.json")
        XCTAssertEqual(message.role, "user")
        XCTAssertEqual(message.text, "你好")
        XCTAssertEqual(message.assistantID, "")
        XCTAssertEqual(message.runID, "")
        XCTAssertEqual(message.status, .unset)
        XCTAssertNil(message.incompleteDetails, "{} means no details")
        XCTAssertEqual(message.completedAt, 0)
        XCTAssertNil(try message.wireJSON()["plugin_call"])
    }

    func testMessageDeltasWithoutIndex() throws {
        let delta = try decode(MessageDelta.self, "seed_stream_message_delta.json")
        XCTAssertEqual(delta.delta.role, "assistant")
        XCTAssertEqual(delta.delta.content.first?.text.value, "times 998")
        XCTAssertEqual(delta.delta.content.first?.index, 0)
        let last = try decode(MessageDelta.self, "seed_stream_message_delta_last_empty.json")
        XCTAssertEqual(last.delta.content.first?.text.value, "", "the service's last delta is empty")
        let made = MessageDelta(messageID: "message_x", text: "hi")
        XCTAssertEqual(try made.wireJSON()["delta"]?["content"]?.arrayValue?.first?["text"]?["value"], "hi")
    }

    func testContentPartKinds() throws {
        let image: JSONValue = ["type": "image_file", "image_file": ["file_id": "file-1"]]
        let part = try image.decode(ContentPart.self)
        XCTAssertEqual(part.imageFile?.fileID, "file-1")
        XCTAssertNil(part.text)
        XCTAssertEqual(try JSONValue(encoding: ContentPart.text("a"))["text"]?["annotations"], [])
    }

    // MARK: threads, assistants, files, deletions

    func testThreads() throws {
        let created = try decode(ThreadObject.self, "seed_thread_create.json")
        XCTAssertEqual(created.createdAt, 1_711_448_377_850)
        XCTAssertEqual(created.metadata, [:])
        let updated = try decode(ThreadObject.self, "seed_thread_update.json")
        XCTAssertEqual(updated.metadata, ["modified": "true", "user": "abc123"])
        let streamed = try decode(ThreadObject.self, "seed_stream_thread_created.json")
        XCTAssertEqual(streamed.id, "thread_5b7824dc-dbf9-4538-b214-624ee199caa4")
        let deleted = try decode(DeletionStatus.self, "seed_thread_delete.json")
        XCTAssertEqual(deleted.object, "thread.deleted")
        XCTAssertTrue(deleted.deleted)
        XCTAssertEqual(deleted.id, "thread_c7ebb0ca-2e4f-43e5-b223-6e1f8c6fccc7")
    }

    func testAssistantWithPluginTool() throws {
        let assistant = try decode(Assistant.self, "ref_assistant.json")
        XCTAssertEqual(assistant.model, "qwen-max")
        XCTAssertEqual(assistant.name, "Painting assistant")
        XCTAssertNil(assistant.temperature)
        XCTAssertNil(assistant.topK)
        XCTAssertEqual(assistant.tools.map(\.type), ["text_to_image", "code_interpreter", "function", "plugin_type"])
        XCTAssertEqual(assistant.tools[3].raw["auth"]?["user_token"], "bearer-token")
        // Redaction: the secret goes, the shape stays.
        let redacted = assistant.tools[3].redacted
        XCTAssertEqual(redacted.raw["auth"]?["user_token"], "[redacted]")
        XCTAssertEqual(redacted.raw["auth"]?["type"], "user_http")
        XCTAssertEqual(assistant.tools[2].redacted, assistant.tools[2])
        XCTAssertEqual(try assistant.wireJSON()["temperature"], .null)
    }

    func testAssistantWithNullCollections() throws {
        let json: JSONValue = ["id": "asst_1", "object": "assistant", "created_at": 1, "model": "m", "tools": nil, "file_ids": nil, "metadata": nil]
        let assistant = try Assistant(wireJSON: json)
        XCTAssertEqual(assistant.tools, [])
        XCTAssertEqual(assistant.fileIDs, [])
        XCTAssertEqual(assistant.metadata, [:])
    }

    func testFilesAndAssistantDeletion() throws {
        let file = try decode(AssistantFile.self, "ref_assistant_file.json")
        XCTAssertEqual(file.assistantID, "asst_0b6a4c5e-1d2f-4e8a-9c3b-7d5e6f7a8b9c")
        let messageFile = try decode(MessageFile.self, "ref_message_file.json")
        XCTAssertEqual(messageFile.messageID, "message_8e1f0c3a-5b7d-4e2f-9a6c-1d3e5f7a9b0c")
        let deleted = try decode(DeletionStatus.self, "ref_assistant_deleted.json")
        XCTAssertEqual(deleted.object, "assistant.deleted")
    }

    func testIdsAndTimestamps() {
        let id = ObjectID.make(ObjectID.message)
        XCTAssertTrue(id.hasPrefix("message_"))
        XCTAssertNotNil(UUID(uuidString: String(id.dropFirst("message_".count))))
        XCTAssertEqual(id, id.lowercased())
        XCTAssertNotEqual(ObjectID.make(ObjectID.run), ObjectID.make(ObjectID.run))
        // Version 4, RFC 4122 variant, 36 characters, all distinct, every hex digit in use.
        var seen = Set<String>()
        var digits = Set<Character>()
        for _ in 0..<20_000 {
            let request = ObjectID.requestID()
            let uuid = try? XCTUnwrap(UUID(uuidString: request))
            XCTAssertEqual(request.count, 36)
            XCTAssertEqual(request, request.lowercased())
            XCTAssertEqual(uuid.map { $0.uuid.6 >> 4 }, 4, request)
            XCTAssertEqual(uuid.map { $0.uuid.8 >> 6 }, 2, request)
            XCTAssertTrue(seen.insert(request).inserted, "\(request) came twice")
            digits.formUnion(request.filter { $0 != "-" })
        }
        XCTAssertEqual(digits.count, 16)
        let now = Timestamp.now()
        XCTAssertGreaterThan(now, 1_700_000_000_000, "milliseconds")
        XCTAssertLessThan(now, 100_000_000_000_000)
    }
}
