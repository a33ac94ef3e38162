import AssistantAPI
import JSONCore
import XCTest

/// Every validation rule: each failure is `invalidParams` naming the field, with a message.
final class ValidationTests: XCTestCase {
    func assertInvalid(
        _ param: String, _ messageContains: String? = nil, file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            XCTFail("accepted; expected an error naming \(param)", file: file, line: line)
        } catch let error as APIError {
            XCTAssertEqual(error.kind, .invalidParams, file: file, line: line)
            XCTAssertEqual(error.param, param, "message: \(error.message)", file: file, line: line)
            XCTAssertEqual(error.statusCode, 400, file: file, line: line)
            XCTAssertEqual(error.code, "InvalidParameter", file: file, line: line)
            XCTAssertFalse(error.message.isEmpty, file: file, line: line)
            if let messageContains {
                XCTAssertTrue(error.message.contains(messageContains), "\"\(error.message)\" lacks \"\(messageContains)\"", file: file, line: line)
            }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func assistant(_ extra: JSONObject) throws {
        var params: JSONObject = ["model": "qwen-max"]
        params.merge(extra) { $1 }
        _ = try CreateAssistantParams(.object(params))
    }

    func functionTool(_ function: JSONValue) -> JSONObject { ["tools": [["type": "function", "function": function]]] }

    // MARK: params shape and required ids

    /// `""` names params itself (protocol/README.md, "Errors").
    func testParamsMustBeAnObject() {
        assertInvalid("", "expected an object") { _ = try CreateAssistantParams([1, 2]) }
        assertInvalid("") { _ = try ListParams("desc") }
        XCTAssertNotNil(try? ParamReader(nil))
        XCTAssertNotNil(try? ParamReader(.null))
    }

    func testReaderNamesNestedFieldsByPath() throws {
        var params = try ParamReader([
            "thread_id": "thread_1",
            "thread": ["messages": [["role": "user", "content": "hi"], ["role": 3]]],
            "limit": 2.0,
            "stream": "yes",
        ])
        XCTAssertEqual(try params.string("thread_id"), "thread_1")
        XCTAssertEqual(try params.optionalInt("limit"), 2)
        XCTAssertNil(try params.optionalString("missing"))
        assertInvalid("stream", "expected a boolean") { _ = try params.optionalBool("stream") }
        assertInvalid("assistant_id", "is required") { _ = try params.string("assistant_id") }
        var thread = try XCTUnwrap(try params.optionalObject("thread"))
        var messages = try XCTUnwrap(try thread.objectArray("messages"))
        XCTAssertEqual(try messages[0].string("role"), "user")
        assertInvalid("thread.messages[1].role") { _ = try messages[1].string("role") }
        XCTAssertEqual(Set(params.unread.keys), [], "every field was asked for")
    }

    func testNullCountsAsAbsent() throws {
        var params = try ParamReader(["metadata": nil])
        XCTAssertNil(try params.optionalObject("metadata"))
        assertInvalid("metadata", "is required") { _ = try params.string("metadata") }
    }

    func testRequiredIds() {
        assertInvalid("model", "is required") { _ = try CreateAssistantParams(nil) }
        assertInvalid("model", "must not be empty") { try assistant(["model": ""]) }
        assertInvalid("model", "expected a string") { try assistant(["model": 7]) }
        assertInvalid("assistant_id", "is required") { _ = try UpdateAssistantParams(["name": "x"]) }
        assertInvalid("assistant_id", "must not be empty") { _ = try UpdateAssistantParams(["assistant_id": ""]) }
        assertInvalid("thread_id") { _ = try CreateMessageParams(["content": "hi"]) }
        assertInvalid("thread_id") { _ = try ListMessagesParams([:]) }
        assertInvalid("assistant_id") { _ = try CreateRunParams(["thread_id": "t"]) }
        assertInvalid("file_id") { _ = try AssistantFileParams(["assistant_id": "a"]) }
        assertInvalid("run_id") { _ = try WaitRunParams(["thread_id": "t"]) }
    }

    // MARK: metadata

    func testMetadataLimits() throws {
        let sixteen = JSONValue.object(Dictionary(uniqueKeysWithValues: (0..<16).map { ("k\($0)", JSONValue.string("v")) }))
        XCTAssertEqual(try CreateThreadParams(["metadata": sixteen]).metadata.count, 16)
        let seventeen = JSONValue.object(Dictionary(uniqueKeysWithValues: (0..<17).map { ("k\($0)", JSONValue.string("v")) }))
        assertInvalid("metadata", "at most 16") { _ = try CreateThreadParams(["metadata": seventeen]) }

        let longKey = String(repeating: "k", count: 65)
        assertInvalid("metadata.\(longKey)", "64") { _ = try CreateThreadParams(["metadata": [longKey: "v"]]) }
        let okKey = String(repeating: "k", count: 64)
        XCTAssertEqual(try CreateThreadParams(["metadata": [okKey: "v"]]).metadata[okKey], "v")

        assertInvalid("metadata.n", "strings") { _ = try CreateThreadParams(["metadata": ["n": 1]]) }
        assertInvalid("metadata.n", "512") {
            _ = try CreateThreadParams(["metadata": ["n": .string(String(repeating: "v", count: 513))]])
        }
        XCTAssertNoThrow(try CreateThreadParams(["metadata": ["n": .string(String(repeating: "é", count: 512))]]))
        assertInvalid("metadata") { _ = try CreateThreadParams(["metadata": "x"]) }
        assertInvalid("metadata") { try assistant(["metadata": [1]]) }
        assertInvalid("messages[0].metadata", "at most 16") {
            _ = try CreateThreadParams(["messages": [["content": "hi", "metadata": seventeen]]])
        }
        assertInvalid("metadata") { _ = try CreateRunParams(["thread_id": "t", "assistant_id": "a", "metadata": seventeen]) }
    }

    // MARK: lists

    func testListDefaultsAndBounds() throws {
        let defaults = try ListParams(nil)
        XCTAssertEqual(defaults, ListParams(limit: 20, order: .desc))
        XCTAssertEqual(try ListParams(["limit": 1]).limit, 1)
        XCTAssertEqual(try ListParams(["limit": 100, "order": "asc"]), ListParams(limit: 100, order: .asc))
        XCTAssertEqual(try ListParams(["after": "a", "before": "b"]), ListParams(after: "a", before: "b"))
        assertInvalid("limit", "between 1 and 100") { _ = try ListParams(["limit": 0]) }
        assertInvalid("limit", "between 1 and 100") { _ = try ListParams(["limit": 101]) }
        assertInvalid("limit", "integer") { _ = try ListParams(["limit": "10"]) }
        assertInvalid("limit", "integer") { _ = try ListParams(["limit": 2.5]) }
        assertInvalid("order", "asc or desc") { _ = try ListParams(["order": "newest"]) }
        assertInvalid("after", "string") { _ = try ListParams(["after": 5]) }
        assertInvalid("before", "string") { _ = try ListParams(["before": ["x"]]) }
        assertInvalid("limit") { _ = try ListMessagesParams(["thread_id": "t", "limit": 1000]) }
        XCTAssertEqual(try ListMessagesParams(["thread_id": "t", "run_id": "run_1"]).runID, "run_1")
    }

    // MARK: messages

    func testMessageRole() throws {
        XCTAssertEqual(try CreateMessageParams(["thread_id": "t", "content": "hi"]).message.role, "user")
        XCTAssertEqual(try CreateMessageParams(["thread_id": "t", "content": "hi", "role": "assistant"]).message.role, "assistant")
        assertInvalid("role", "user or assistant") { _ = try CreateMessageParams(["thread_id": "t", "content": "hi", "role": "system"]) }
        assertInvalid("role") { _ = try CreateMessageParams(["thread_id": "t", "content": "hi", "role": 1]) }
        assertInvalid("messages[1].role") {
            _ = try CreateThreadParams(["messages": [["content": "a"], ["content": "b", "role": "tool"]]])
        }
        assertInvalid("additional_messages[0].role") {
            _ = try CreateRunParams(["thread_id": "t", "assistant_id": "a", "additional_messages": [["content": "a", "role": "x"]]])
        }
    }

    func testMessageContent() throws {
        let text = try CreateMessageParams(["thread_id": "t", "content": "hello"]).message.content
        XCTAssertEqual(text, [.text("hello")])
        let parts = try CreateMessageParams([
            "thread_id": "t",
            "content": [["type": "text", "text": ["value": "a"]], ["type": "text", "text": "b"], ["type": "image_file", "image_file": ["file_id": "file-1"]]],
        ]).message.content
        XCTAssertEqual(parts, [.text("a"), .text("b"), ContentPart(type: "image_file", imageFile: ImageFile(fileID: "file-1"))])

        assertInvalid("content", "is required") { _ = try CreateMessageParams(["thread_id": "t"]) }
        assertInvalid("content", "must not be empty") { _ = try CreateMessageParams(["thread_id": "t", "content": ""]) }
        assertInvalid("content", "must not be empty") { _ = try CreateMessageParams(["thread_id": "t", "content": []]) }
        assertInvalid("content", "string or an array") { _ = try CreateMessageParams(["thread_id": "t", "content": 5]) }
        assertInvalid("content[0]", "content part") { _ = try CreateMessageParams(["thread_id": "t", "content": ["hi"]]) }
        assertInvalid("content[1].text", "non-empty") {
            _ = try CreateMessageParams(["thread_id": "t", "content": [["type": "text", "text": "a"], ["type": "text", "text": ["value": ""]]]])
        }
        assertInvalid("content[0].type", "text or image_file") {
            _ = try CreateMessageParams(["thread_id": "t", "content": [["type": "audio"]]])
        }
        assertInvalid("content[0].image_file.file_id") {
            _ = try CreateMessageParams(["thread_id": "t", "content": [["type": "image_file", "image_file": [:]]]])
        }
        assertInvalid("messages[0].content") { _ = try CreateThreadParams(["messages": [["role": "user"]]]) }
        assertInvalid("messages[0]", "expected an object") { _ = try CreateThreadParams(["messages": ["hi"]]) }
        assertInvalid("messages") { _ = try CreateThreadParams(["messages": "hi"]) }
        assertInvalid("file_ids[1]", "string") { _ = try CreateMessageParams(["thread_id": "t", "content": "a", "file_ids": ["f", 2]]) }
    }

    func testEmptyThreadCreateAsTheSDKSendsIt() throws {
        let params = try CreateThreadParams(.string(""))
        XCTAssertEqual(params.messages, [])
        XCTAssertEqual(params.metadata, [:])
        XCTAssertEqual(try CreateThreadParams(nil).messages, [])
    }

    // MARK: tools

    func testFunctionToolNames() throws {
        let good = ["get_weather", "a", "A-b_9", String(repeating: "x", count: 64)]
        for name in good {
            let tools = try CreateAssistantParams(.object(["model": "m"].merging(functionTool(["name": .string(name)])) { $1 })).settings.tools
            XCTAssertEqual(tools?.first?.function?.name, name)
        }
        let bad = ["", "get weather", "名前", "a.b", "a/b", String(repeating: "x", count: 65)]
        for name in bad {
            assertInvalid("tools[0].function.name", "^[a-zA-Z0-9_-]{1,64}$") { try assistant(functionTool(["name": .string(name)])) }
        }
        assertInvalid("tools[0].function.name", "is required") { try assistant(functionTool(["description": "d"])) }
    }

    func testFunctionToolShape() throws {
        assertInvalid("tools", "array") { try assistant(["tools": ["type": "function"]]) }
        assertInvalid("tools[0]", "object") { try assistant(["tools": ["function"]]) }
        assertInvalid("tools[0].type", "is required") { try assistant(["tools": [["function": ["name": "f"]]]]) }
        assertInvalid("tools[0].type", "must not be empty") { try assistant(["tools": [["type": ""]]]) }
        assertInvalid("tools[1].function", "is required") { try assistant(["tools": [["type": "search"], ["type": "function"]]]) }
        assertInvalid("tools[0].function", "object") { try assistant(["tools": [["type": "function", "function": "f"]]]) }
        assertInvalid("tools[0].function.parameters", "JSON Schema object") {
            try assistant(functionTool(["name": "f", "parameters": "string"]))
        }
        assertInvalid("tools[0].function.parameters.type", "object") {
            try assistant(functionTool(["name": "f", "parameters": ["type": "array"]]))
        }
        assertInvalid("tools[0].function.parameters.properties") {
            try assistant(functionTool(["name": "f", "parameters": ["type": "object", "properties": []]]))
        }
        assertInvalid("tools[0].function.description") { try assistant(functionTool(["name": "f", "description": 3])) }
        let many = JSONValue.array(Array(repeating: ["type": "search"], count: 129))
        assertInvalid("tools", "at most 128") { try assistant(["tools": many]) }
        assertInvalid("tools[0].function.name") {
            _ = try CreateRunParams(["thread_id": "t", "assistant_id": "a", "tools": [["type": "function", "function": ["name": "a b"]]]])
        }
    }

    func testWellFormedToolsPassThroughWhole() throws {
        let params = try CreateAssistantParams([
            "model": "m",
            "tools": [
                ["type": "function", "function": ["name": "f", "description": "d", "parameters": ["type": "object", "properties": ["x": ["type": "string"]]]]],
                ["type": "function", "function": ["name": "g"]],
                ["type": "quark_search"],
                ["type": "plugin_x", "auth": ["type": "user_http", "user_token": "secret"]],
            ],
        ])
        let tools = try XCTUnwrap(params.settings.tools)
        XCTAssertEqual(tools.map(\.type), ["function", "function", "quark_search", "plugin_x"])
        XCTAssertEqual(tools[0].function?.parameters?["properties"]?["x"]?["type"], "string")
        XCTAssertNil(tools[1].function?.parameters)
        XCTAssertEqual(tools[3].raw["auth"]?["user_token"], "secret", "params keep the token; storage redacts it")
    }

    // MARK: assistants' other fields

    func testAssistantFieldLimits() throws {
        assertInvalid("name", "256") { try assistant(["name": .string(String(repeating: "n", count: 257))]) }
        assertInvalid("description", "512") { try assistant(["description": .string(String(repeating: "d", count: 513))]) }
        assertInvalid("instructions", "256000") { try assistant(["instructions": .string(String(repeating: "i", count: 256_001))]) }
        assertInvalid("temperature", "between") { try assistant(["temperature": 2.5]) }
        assertInvalid("temperature", "number") { try assistant(["temperature": "hot"]) }
        assertInvalid("top_p", "between") { try assistant(["top_p": 1.5]) }
        assertInvalid("top_k", "between") { try assistant(["top_k": -1]) }
        assertInvalid("max_tokens", "between") { try assistant(["max_tokens": 0]) }
        assertInvalid("file_ids[0]") { try assistant(["file_ids": [1]]) }
        assertInvalid("file_ids", "array") { try assistant(["file_ids": "file-1"]) }
        let ok = try CreateAssistantParams(["model": "m", "name": "n", "temperature": 0, "top_p": 1, "top_k": 5, "max_tokens": 10, "file_ids": ["f"]])
        XCTAssertEqual(ok.settings.temperature, 0)
        XCTAssertEqual(ok.settings.topK, 5)
        XCTAssertEqual(ok.fileIDs, ["f"])
        XCTAssertNil(try UpdateAssistantParams(["assistant_id": "a"]).fileIDs, "absent file_ids leave them as they are")
        XCTAssertEqual(try UpdateAssistantParams(["assistant_id": "a", "file_ids": []]).fileIDs, [])
    }

    // MARK: runs

    func testRunOptions() throws {
        assertInvalid("truncation_strategy.type", "auto or last_messages") {
            _ = try CreateRunParams(["thread_id": "t", "assistant_id": "a", "truncation_strategy": ["type": "middle"]])
        }
        assertInvalid("truncation_strategy.last_messages", "is required") {
            _ = try CreateRunParams(["thread_id": "t", "assistant_id": "a", "truncation_strategy": ["type": "last_messages"]])
        }
        assertInvalid("truncation_strategy.last_messages", "between") {
            _ = try CreateRunParams(["thread_id": "t", "assistant_id": "a", "truncation_strategy": ["type": "last_messages", "last_messages": 0]])
        }
        assertInvalid("tool_choice") { _ = try CreateRunParams(["thread_id": "t", "assistant_id": "a", "tool_choice": "sometimes"]) }
        assertInvalid("tool_choice") {
            _ = try CreateRunParams(["thread_id": "t", "assistant_id": "a", "tool_choice": ["type": "function", "function": ["name": "a b"]]])
        }
        assertInvalid("stream", "boolean") { _ = try CreateRunParams(["thread_id": "t", "assistant_id": "a", "stream": "yes"]) }
        assertInvalid("thread.messages[0].content") {
            _ = try CreateThreadAndRunParams(["assistant_id": "a", "thread": ["messages": [["content": ""]]]])
        }
        let run = try CreateRunParams([
            "thread_id": "t", "assistant_id": "a", "truncation_strategy": ["type": "last_messages", "last_messages": 10],
            "tool_choice": ["type": "function", "function": ["name": "f"]], "stream": true, "temperature": 0.5,
        ])
        XCTAssertEqual(run.options.truncationStrategy, TruncationStrategy(type: "last_messages", lastMessages: 10))
        XCTAssertEqual(run.options.toolChoice, .function("f"))
        XCTAssertTrue(run.options.stream)
        XCTAssertEqual(run.options.settings.temperature, 0.5)
    }

    func testToolOutputs() throws {
        assertInvalid("tool_outputs", "is required") { _ = try SubmitToolOutputsParams(["thread_id": "t", "run_id": "r"]) }
        assertInvalid("tool_outputs", "must not be empty") { _ = try SubmitToolOutputsParams(["thread_id": "t", "run_id": "r", "tool_outputs": []]) }
        assertInvalid("tool_outputs[0].output", "is required") {
            _ = try SubmitToolOutputsParams(["thread_id": "t", "run_id": "r", "tool_outputs": [["tool_call_id": "c"]]])
        }
        assertInvalid("tool_outputs[0].tool_call_id") {
            _ = try SubmitToolOutputsParams(["thread_id": "t", "run_id": "r", "tool_outputs": [["tool_call_id": 1, "output": "x"]]])
        }
        let ok = try SubmitToolOutputsParams(["thread_id": "t", "run_id": "r", "tool_outputs": [["tool_call_id": "", "output": "rain"]]])
        XCTAssertEqual(ok.toolOutputs, [ToolOutput(toolCallID: "", output: "rain")])
        assertInvalid("timeout_ms") { _ = try WaitRunParams(["thread_id": "t", "run_id": "r", "timeout_ms": -1]) }
    }

    /// Fields this bridge does not know stay in `raw` for the hosted backend.
    func testUnknownFieldsKeptInRaw() throws {
        let params = try CreateThreadParams(["metadata": [:], "tool_resources": ["x": 1]])
        XCTAssertEqual(params.raw["tool_resources"]?["x"], 1)
    }
}
