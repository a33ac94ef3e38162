import AssistantAPI
import Foundation
import HTTPStreaming
import JSONCore
import TestSupport
import XCTest

@testable import LocalEngine

/// OpenAIChatModel against a FAKE OpenAI-compatible server (a scripted Python subprocess).
final class OpenAIChatModelTests: XCTestCase {
    private var fake: FakeOpenAIServer!

    override func setUpWithError() throws {
        fake = try FakeOpenAIServer()
    }

    override func tearDown() {
        fake?.stop()
        fake = nil
    }

    // MARK: Helpers

    private func makeModel(
        apiKey: String? = nil, modelMap: [String: String] = [:], timeout: TimeInterval = 60, sendTopK: Bool = false
    ) -> OpenAIChatModel {
        OpenAIChatModel(
            configuration: OpenAIChatModelConfiguration(
                baseURL: fake.baseURL, apiKey: apiKey, modelMap: modelMap, connectTimeout: timeout, readTimeout: timeout,
                sendTopK: sendTopK))
    }

    private func userTurn(_ text: String = "Hi", tools: [FunctionDefinition] = []) -> ChatRequest {
        ChatRequest(model: "test-model", messages: [ChatMessage(role: .user, content: text)], tools: tools)
    }

    private struct Outcome {
        var events: [ChatEvent]
        var error: (any Error)?

        var modelError: ChatModelError? { error as? ChatModelError }
        var toolCalls: [ChatToolCall] {
            events.compactMap { if case .toolCall(let call) = $0 { return call } else { return nil } }
        }
        var text: String {
            events.map { if case .text(let text) = $0 { return text } else { return "" } }.joined()
        }
    }

    private func run(_ model: OpenAIChatModel, _ request: ChatRequest) async -> Outcome {
        var events: [ChatEvent] = []
        do {
            for try await event in model.streamTurn(request) { events.append(event) }
            return Outcome(events: events, error: nil)
        } catch {
            return Outcome(events: events, error: error)
        }
    }

    private func lastRequestBody() async throws -> JSONValue {
        let requests = try await fake.requests()
        return try XCTUnwrap(requests.last?["body"])
    }

    // MARK: Text

    func testPlainTextStreamYieldsTextDeltasThenStop() async throws {
        try await fake.script([
            [
                "stream": [
                    ["delta": ["role": "assistant", "content": ""]], ["text": "Hel"], ["text": ""], ["text": "lo"],
                    ["delta": ["reasoning_content": "thinking…"]], ["finish": "stop"],
                ]
            ]
        ])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.events, [.text("Hel"), .text("lo"), .finish(.stop)])
    }

    func testDataLinesWithoutSpaceCommentsAndCRLFAreParsed() async throws {
        try await fake.script([
            [
                "space": false,
                "stream": [
                    ["raw": ": keep-alive\r\n\r\n"], ["text": "a"], ["raw": "event: message\r\n"], ["text": "b"],
                    ["finish": "length"],
                ],
            ]
        ])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.events, [.text("a"), .text("b"), .finish(.length)])
    }

    func testBodyIsDeliveredIncrementallyWhileTheServerIsStillSending() async throws {
        // The fake holds the rest of the stream until we saw the first delta; a client that
        // buffered the whole body would see only the gate's timeout marker.
        try await fake.script([["stream": [["text": "before"], ["gate": true], ["text": " after"], ["finish": "stop"]]]])
        var events: [ChatEvent] = []
        for try await event in makeModel().streamTurn(userTurn()) {
            if events.isEmpty { try await fake.release() }
            events.append(event)
        }
        XCTAssertEqual(events, [.text("before"), .text(" after"), .finish(.stop)])
        let requests = try await fake.requests()
        XCTAssertEqual(requests.first?["gate_timed_out"], false)
    }

    // MARK: Tool calls

    func testSplitFragmentsOfTwoInterleavedToolCallsAreMergedByIndex() async throws {
        try await fake.script([
            [
                "stream": [
                    ["tool_calls": [["index": 0, "id": "call_a", "type": "function", "function": ["name": "get_weather", "arguments": ""]]]],
                    ["tool_calls": [["index": 1, "id": "call_b", "type": "function", "function": ["name": "get_time", "arguments": "{\"zo"]]]],
                    ["tool_calls": [["index": 0, "function": ["arguments": "{\"city\":"]]]],
                    ["tool_calls": [["index": 1, "function": ["arguments": "ne\":\"UTC\"}"]]]],
                    ["tool_calls": [["index": 0, "function": ["arguments": " \"Paris\"}"]]]],
                    ["finish": "tool_calls"],
                ]
            ]
        ])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertNil(outcome.error)
        XCTAssertEqual(
            outcome.events,
            [
                .toolCall(ChatToolCall(id: "call_a", name: "get_weather", arguments: "{\"city\": \"Paris\"}")),
                .toolCall(ChatToolCall(id: "call_b", name: "get_time", arguments: "{\"zone\":\"UTC\"}")),
                .finish(.toolCalls),
            ])
    }

    func testLlamaCppRepeatedIDTypeAndNameAreNotAppendedAgain() async throws {
        // The shape llama.cpp's server (llama-cpp-python 0.3) streams: every fragment repeats id, type
        // and name, and the legacy `function_call` rides along; the finish says `stop`.
        let id = "call__0_get_current_weather_cmpl-6a70"
        let fragments = ["{", " \"", "location", "\":", " \"", "Boston", "\",", " \"", "unit", "\":\"", "f", "ahrenheit", "\"", "}", ""]
        var items: [JSONValue] = [["delta": ["role": "assistant", "content": .null, "function_call": .null, "tool_calls": .null]]]
        for fragment in fragments {
            items.append([
                "delta": [
                    "role": .null, "content": .null,
                    "function_call": ["name": "get_current_weather:", "arguments": .string(fragment)],
                    "tool_calls": [
                        [
                            "index": 0, "id": .string(id), "type": "function",
                            "function": ["name": "get_current_weather", "arguments": .string(fragment)],
                        ]
                    ],
                ]
            ])
        }
        items.append(["finish": "stop"])
        try await fake.script([["stream": .array(items)]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertNil(outcome.error)
        XCTAssertEqual(
            outcome.events,
            [
                .toolCall(ChatToolCall(id: id, name: "get_current_weather", arguments: "{ \"location\": \"Boston\", \"unit\":\"fahrenheit\"}")),
                .finish(.toolCalls),
            ])
    }

    func testTextThenToolCallWithoutIDInOneTurnGetsAMintedID() async throws {
        try await fake.script([
            [
                "stream": [
                    ["text": "Let me check."],
                    ["tool_calls": [["index": 0, "function": ["name": "lookup", "arguments": "{\"q\":"]]]],
                    ["tool_calls": [["index": 0, "function": ["arguments": "\"x\"}"]]]],
                    ["finish": "stop"],
                ]
            ]
        ])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.events.first, .text("Let me check."))
        XCTAssertEqual(outcome.events.last, .finish(.toolCalls))
        let call = try XCTUnwrap(outcome.toolCalls.first)
        XCTAssertEqual(outcome.toolCalls.count, 1)
        XCTAssertEqual(call.name, "lookup")
        XCTAssertEqual(call.arguments, "{\"q\":\"x\"}")
        XCTAssertTrue(call.id.hasPrefix("call_") && call.id.count > 10, call.id)
    }

    func testToolCallWithNoArgumentsGetsAnEmptyObject() async throws {
        try await fake.script([
            ["stream": [["tool_calls": [["index": 0, "id": "call_z", "function": ["name": "now"]]]], ["finish": "tool_calls"]]]
        ])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.toolCalls, [ChatToolCall(id: "call_z", name: "now", arguments: "{}")])
    }

    func testLegacyFunctionCallAloneBecomesAToolCall() async throws {
        try await fake.script([
            [
                "stream": [
                    ["delta": ["function_call": ["name": "lookup", "arguments": "{\"q\":"]]],
                    ["delta": ["function_call": ["arguments": "1}"]]],
                    ["finish": "function_call"],
                ]
            ]
        ])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.toolCalls.map(\.name), ["lookup"])
        XCTAssertEqual(outcome.toolCalls.map(\.arguments), ["{\"q\":1}"])
        XCTAssertEqual(outcome.events.last, .finish(.toolCalls))
    }

    func testToolCallThatNeverNamesItsFunctionIsServerError() async throws {
        try await fake.script([["stream": [["tool_calls": [["index": 0, "function": ["arguments": "{}"]]]], ["finish": "tool_calls"]]]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.modelError?.kind, .server)
        XCTAssertTrue(outcome.modelError?.message.contains("without a function name") ?? false)
    }

    func testToolCallArgumentsThatAreNotJSONAreServerError() async throws {
        try await fake.script([["stream": [
            ["tool_calls": [["index": 0, "id": "call_1", "function": ["name": "f", "arguments": "{\"a\": 1,"]]]], ["finish": "tool_calls"],
        ]]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.modelError?.kind, .server)
        XCTAssertTrue(outcome.modelError?.message.contains("call of f has arguments that are not JSON") ?? false, "\(String(describing: outcome.error))")
        XCTAssertEqual(outcome.toolCalls, [], "no half-made call goes out")
    }

    func testToolCallsThatAreNotAnArrayAreServerError() async throws {
        try await fake.script([["stream": [["delta": ["tool_calls": "call f"]], ["finish": "tool_calls"]]]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.modelError?.kind, .server)
        XCTAssertTrue(outcome.modelError?.message.contains("tool_calls is a string, not an array") ?? false, "\(String(describing: outcome.error))")
    }

    // MARK: Usage and stream_options

    func testUsageChunkBecomesAUsageEventBeforeFinish() async throws {
        try await fake.script([["stream": [["text": "ok"], ["finish": "stop"], ["usage": [12, 3]]]]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.events, [.text("ok"), .usage(promptTokens: 12, completionTokens: 3), .finish(.stop)])
        let body = try await lastRequestBody()
        XCTAssertEqual(body["stream"], true)
        XCTAssertEqual(body["stream_options"], ["include_usage": true])
    }

    func testServerRefusingStreamOptionsIsRetriedOnceWithoutThemAndNeverSentThemAgain() async throws {
        try await fake.script([
            [
                "status": 400,
                "body": ["error": ["message": "Unrecognized request argument supplied: stream_options", "type": "invalid_request_error"]],
            ],
            ["stream": [["text": "first"], ["finish": "stop"]]],
            ["stream": [["text": "second"], ["finish": "stop"]]],
        ])
        let model = makeModel()
        let first = await run(model, userTurn())
        XCTAssertNil(first.error)
        XCTAssertEqual(first.events, [.text("first"), .finish(.stop)])
        XCTAssertFalse(model.sendsStreamOptions)
        let second = await run(model, userTurn())
        XCTAssertEqual(second.events, [.text("second"), .finish(.stop)])

        let bodies = try await fake.requests().map { $0["body"] }
        XCTAssertEqual(bodies.count, 3)
        XCTAssertEqual(bodies[0]?["stream_options"], ["include_usage": true])
        XCTAssertNil(bodies[1]?["stream_options"])
        XCTAssertNil(bodies[2]?["stream_options"])
    }

    func testA422IsRetriedWithoutStreamOptionsButOnlyOnce() async throws {
        try await fake.script([
            ["status": 422, "body": ["detail": "extra fields not permitted"]],
            ["status": 422, "body": ["detail": "messages: field required"]],
        ])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.modelError?.kind, .invalidPrompt)
        XCTAssertTrue(outcome.modelError?.message.contains("messages: field required") ?? false, "\(String(describing: outcome.error))")
        let requests = try await fake.requests()
        XCTAssertEqual(requests.count, 2)
    }

    // MARK: Errors

    func testHTTP429IsRateLimitedWithTheServersMessage() async throws {
        try await fake.script([["status": 429, "body": ["error": ["message": "Rate limit reached, slow down", "type": "requests"]]]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.events, [])
        XCTAssertEqual(outcome.modelError?.kind, .rateLimited)
        XCTAssertEqual(outcome.modelError?.lastErrorCode, "rate_limit_exceeded")
        XCTAssertTrue(outcome.modelError?.message.contains("Rate limit reached, slow down") ?? false)
    }

    func testHTTP500IsServerErrorWithTheBodyText() async throws {
        try await fake.script([["status": 500, "body": "tools param requires --jinja flag"]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.modelError?.kind, .server)
        XCTAssertEqual(outcome.modelError?.lastErrorCode, "server_error")
        XCTAssertTrue(outcome.modelError?.message.contains("HTTP 500") ?? false)
        XCTAssertTrue(outcome.modelError?.message.contains("requires --jinja") ?? false)
    }

    func testHTTP400ContextLengthIsInvalidPrompt() async throws {
        try await fake.script([
            [
                "status": 400,
                "body": ["error": ["message": "This model's maximum context length is 8192 tokens", "code": "context_length_exceeded"]],
            ]
        ])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.modelError?.kind, .invalidPrompt)
        XCTAssertEqual(outcome.modelError?.lastErrorCode, "invalid_prompt")
        XCTAssertTrue(outcome.modelError?.message.contains("maximum context length") ?? false)
        // Not a stream_options refusal, so no retry.
        let requests = try await fake.requests()
        XCTAssertEqual(requests.count, 1)
    }

    func testHTTP401SaysAuthenticationFailedAndNeverShowsTheKey() async throws {
        let key = "sk-test-secret-1234567890"
        try await fake.script([["status": 401, "body": ["error": ["message": .string("Incorrect API key provided: \(key)")]]]])
        let outcome = await run(makeModel(apiKey: key), userTurn())
        let error = try XCTUnwrap(outcome.modelError)
        XCTAssertEqual(error.kind, .server)
        XCTAssertTrue(error.message.contains("authentication"), error.message)
        XCTAssertFalse(error.message.contains(key), error.message)
        XCTAssertFalse(String(describing: error).contains(key))
    }

    func testHTTP404IsUnavailable() async throws {
        try await fake.script([["status": 404, "body": ["error": ["message": "model 'nope' not found"]]]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.modelError?.kind, .unavailable)
        XCTAssertEqual(outcome.modelError?.lastErrorCode, "server_error")
        XCTAssertTrue(outcome.modelError?.message.contains("model 'nope' not found") ?? false)
    }

    func testStreamBrokenMidwayIsServerError() async throws {
        try await fake.script([["stream": [["text": "partial"], ["break": true]]]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.events, [.text("partial")])
        XCTAssertEqual(outcome.modelError?.kind, .server)
        XCTAssertTrue(outcome.modelError?.message.contains("broke in the middle of the stream") ?? false, "\(String(describing: outcome.error))")
    }

    func testStreamEndingWithoutDoneOrFinishReasonIsServerError() async throws {
        try await fake.script([["done": false, "stream": [["text": "partial"]]]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.events, [.text("partial")])
        XCTAssertEqual(outcome.modelError?.kind, .server)
        XCTAssertTrue(outcome.modelError?.message.contains("before the turn finished") ?? false)
    }

    func testStreamWithFinishReasonButNoDoneStillCompletes() async throws {
        try await fake.script([["done": false, "stream": [["text": "x"], ["finish": "stop"]]]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.events, [.text("x"), .finish(.stop)])
    }

    func testErrorObjectInsideTheStreamIsClassified() async throws {
        try await fake.script([["stream": [["text": "a"], ["error": ["message": "Rate limit exceeded", "code": 429]]]]])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertEqual(outcome.modelError?.kind, .rateLimited)
        XCTAssertTrue(outcome.modelError?.message.contains("Rate limit exceeded") ?? false)
    }

    func testSilentServerTimesOutAsServerError() async throws {
        try await fake.script([["stream": [["text": "a"], ["sleep": 4], ["finish": "stop"]]]])
        let outcome = await run(makeModel(timeout: 1), userTurn())
        XCTAssertEqual(outcome.modelError?.kind, .server)
        XCTAssertTrue(outcome.modelError?.message.contains("timed out") ?? false, "\(String(describing: outcome.error))")
    }

    func testSlowButSteadyStreamOutlastsTheIdleTimeout() async throws {
        // The timeout counts silence, not the whole answer: a long generation must not be cut.
        try await fake.script([
            ["stream": [["text": "a"], ["sleep": 0.7], ["text": "b"], ["sleep": 0.7], ["text": "c"], ["sleep": 0.7], ["finish": "stop"]]]
        ])
        let outcome = await run(makeModel(timeout: 1.5), userTurn())
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.text, "abc")
    }

    func testNoServerListeningIsServerError() async throws {
        let closedPort = fake.port
        fake.stop()
        fake = nil
        let model = OpenAIChatModel(
            configuration: OpenAIChatModelConfiguration(baseURL: URL(string: "http://127.0.0.1:\(closedPort)/v1")!))
        let outcome = await run(model, userTurn())
        XCTAssertEqual(outcome.modelError?.kind, .server)
        XCTAssertTrue(outcome.modelError?.message.contains("could not connect") ?? false, "\(String(describing: outcome.error))")
    }

    // MARK: The request

    func testRequestBodyCarriesMessagesToolsChoiceSamplingAndTheMappedModel() async throws {
        try await fake.script([["stream": [["text": "done"], ["finish": "stop"]]]])
        let weather = FunctionDefinition(
            name: "get_weather", description: "Weather for a city",
            parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])
        let request = ChatRequest(
            model: "qwen-max",
            messages: [
                ChatMessage(role: .system, content: "Be brief."),
                ChatMessage(role: .user, content: "Weather in Paris?"),
                ChatMessage(
                    role: .assistant, content: "",
                    toolCalls: [ChatToolCall(id: "call_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}")]),
                ChatMessage(role: .tool, content: "{\"temp\":21}", toolCallID: "call_1"),
            ],
            tools: [weather, FunctionDefinition(name: "no_params")], toolChoice: .function("get_weather"),
            temperature: 0.5, topP: 0.25, topK: 40, maxTokens: 100)
        let model = makeModel(apiKey: "test-key", modelMap: ["qwen-max": "served-qwen", "*": "served-default"])
        let outcome = await run(model, request)
        XCTAssertNil(outcome.error)

        let requests = try await fake.requests()
        XCTAssertEqual(requests.count, 1)
        let sent = try XCTUnwrap(requests.first)
        XCTAssertEqual(sent["path"], "/v1/chat/completions")
        XCTAssertEqual(sent["headers"]?["authorization"], "Bearer test-key")
        XCTAssertEqual(sent["headers"]?["content-type"], "application/json")
        let body = try XCTUnwrap(sent["body"])
        XCTAssertEqual(body["model"], "served-qwen")
        XCTAssertEqual(
            body["messages"],
            [
                ["role": "system", "content": "Be brief."],
                ["role": "user", "content": "Weather in Paris?"],
                [
                    "role": "assistant", "content": .null,
                    "tool_calls": [
                        ["id": "call_1", "type": "function", "function": ["name": "get_weather", "arguments": "{\"city\":\"Paris\"}"]]
                    ],
                ],
                ["role": "tool", "tool_call_id": "call_1", "content": "{\"temp\":21}"],
            ])
        XCTAssertEqual(
            body["tools"],
            [
                [
                    "type": "function",
                    "function": [
                        "name": "get_weather", "description": "Weather for a city",
                        "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]],
                    ],
                ],
                ["type": "function", "function": ["name": "no_params", "parameters": ["type": "object", "properties": [:]]]],
            ])
        XCTAssertEqual(body["tool_choice"], ["type": "function", "function": ["name": "get_weather"]])
        XCTAssertEqual(body["temperature"]?.doubleValue, 0.5)
        XCTAssertEqual(body["top_p"]?.doubleValue, 0.25)
        XCTAssertEqual(body["max_tokens"]?.intValue, 100)
        XCTAssertNil(body["top_k"], "top_k is only sent when configured")
        XCTAssertEqual(body["stream"], true)
    }

    func testToolChoiceStringsAndDefaultModelMapping() async throws {
        let tool = FunctionDefinition(name: "f", parameters: ["type": "object"])
        try await fake.script([
            ["stream": [["finish": "stop"]]], ["stream": [["finish": "stop"]]], ["stream": [["finish": "stop"]]],
        ])
        let model = makeModel(modelMap: ["*": "served-default"])
        for choice in [ToolChoice.none, .auto, .required] {
            var request = userTurn(tools: [tool])
            request.toolChoice = choice
            _ = await run(model, request)
        }
        let bodies = try await fake.requests().map { $0["body"] }
        XCTAssertEqual(bodies.map { $0?["tool_choice"] }, ["none", "auto", "required"])
        XCTAssertEqual(bodies.map { $0?["model"] }, ["served-default", "served-default", "served-default"])
    }

    func testNoAuthorizationWithoutAKeyTopKWhenConfiguredAndNoToolChoiceWithoutTools() async throws {
        try await fake.script([["stream": [["text": "x"], ["finish": "stop"]]]])
        var request = userTurn()
        request.topK = 40
        request.toolChoice = .auto
        let outcome = await run(makeModel(modelMap: ["other": "mapped"], sendTopK: true), request)
        XCTAssertNil(outcome.error)
        let requests = try await fake.requests()
        let sent = try XCTUnwrap(requests.first)
        XCTAssertNil(sent["headers"]?["authorization"])
        let body = try XCTUnwrap(sent["body"])
        XCTAssertEqual(body["model"], "test-model", "a name with no entry and no \"*\" is sent unchanged")
        XCTAssertEqual(body["top_k"]?.intValue, 40)
        XCTAssertNil(body["tools"])
        XCTAssertNil(body["tool_choice"])
        XCTAssertNil(body["temperature"])
    }

    func testConnectionIsReusedAcrossTurns() async throws {
        try await fake.script([["stream": [["text": "1"], ["finish": "stop"]]], ["stream": [["text": "2"], ["finish": "stop"]]]])
        let model = makeModel()
        _ = await run(model, userTurn())
        _ = await run(model, userTurn())
        let ports = try await fake.requests().map { $0["client_port"] }
        XCTAssertEqual(ports.count, 2)
        XCTAssertEqual(ports[0], ports[1], "the second turn should reuse the first turn's connection")
    }

    func testAKeptAliveConnectionClosedUnderTheNextRequestIsRetriedAtOnceOnAFreshOne() async throws {
        try await fake.script([
            ["stream": [["text": "1"], ["finish": "stop"]]], ["close": true], ["stream": [["text": "2"], ["finish": "stop"]]],
        ])
        let model = makeModel(timeout: 30)
        _ = await run(model, userTurn())
        let started = ContinuousClock.now
        let second = await run(model, userTurn())
        XCTAssertNil(second.error)
        XCTAssertEqual(second.text, "2")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10), "at once, not after the 30 s timeout")
        let ports = try await fake.requests().map { $0["client_port"] }
        XCTAssertEqual(ports.count, 3)
        XCTAssertEqual(ports[1], ports[0], "sent on the kept-alive connection")
        XCTAssertNotEqual(ports[2], ports[1], "repeated on a fresh connection")
    }

    func testNonStreamedJSONAnswerIsAccepted() async throws {
        try await fake.script([
            [
                "json": [
                    "id": "chatcmpl-1", "object": "chat.completion",
                    "choices": [
                        [
                            "index": 0, "finish_reason": "tool_calls",
                            "message": [
                                "role": "assistant", "content": "Checking.",
                                "tool_calls": [["id": "call_q", "type": "function", "function": ["name": "f", "arguments": "{}"]]],
                            ],
                        ]
                    ],
                    "usage": ["prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7],
                ]
            ]
        ])
        let outcome = await run(makeModel(), userTurn())
        XCTAssertNil(outcome.error)
        XCTAssertEqual(
            outcome.events,
            [
                .text("Checking."), .toolCall(ChatToolCall(id: "call_q", name: "f", arguments: "{}")),
                .usage(promptTokens: 5, completionTokens: 2), .finish(.toolCalls),
            ])
    }

    func testDescriptionNeverShowsTheKey() {
        let model = makeModel(apiKey: "sk-hidden")
        XCTAssertEqual(model.displayName, "openai \(fake.baseURL.absoluteString)")
        XCTAssertFalse(model.displayName.contains("sk-hidden"))
        XCTAssertEqual(model.contextTokens, 8192)
        var dumped = ""
        dump(model.configuration, to: &dumped)
        for text in ["\(model.configuration)", String(reflecting: model.configuration), dumped] {
            XCTAssertFalse(text.contains("sk-hidden"), text)
            XCTAssertTrue(text.contains(fake.baseURL.absoluteString), text)
        }
    }

    // MARK: Cancellation

    func testCancellingTheConsumerClosesTheConnection() async throws {
        try await fake.script([["stream": [["text": "first"], ["hold": true], ["text": "never"], ["finish": "stop"]]]])
        let model = makeModel()
        let request = userTurn()
        let (firstEvent, firstEventSeen) = AsyncStream<Void>.makeStream()
        let consumer = Task { () -> [ChatEvent] in
            var events: [ChatEvent] = []
            for try await event in model.streamTurn(request) {
                events.append(event)
                firstEventSeen.yield()
            }
            return events
        }
        for await _ in firstEvent { break }
        consumer.cancel()
        switch await consumer.result {
        case .success(let events):
            XCTAssertEqual(events, [.text("first")], "the stream must end without finishing the turn")
        case .failure(let error):
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        // The fake notices the closed connection while it holds the stream open; poll its log.
        var disconnected = false
        for _ in 0..<200 where !disconnected {
            disconnected = try await fake.requests().first?["disconnected"] == true
            if !disconnected { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        XCTAssertTrue(disconnected, "the fake server never saw the connection close")
    }

    // MARK: Pieces

    func testEventStreamParserHandlesSplitLinesCRLFAndMissingBlankLines() {
        var reader = SSEParser(isCompleteData: OpenAIChatModel.ChunkAccumulator.isCompleteData)
        var events: [SSEEvent] = []
        let body = Array("data: {\"a\":1}\r\n\r\n: comment\ndata:{\"b\":2}\ndata: {\"c\":3}\n\nevent: error\ndata: {\"d\":\ndata: 4}\n\ndata: [DONE]".utf8)
        for piece in stride(from: 0, to: body.count, by: 3) {
            events += reader.feed(body[piece..<min(piece + 3, body.count)])
        }
        events += reader.finish()
        XCTAssertEqual(
            events.map { String(decoding: $0.data, as: UTF8.self) },
            ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "{\"d\":\n4}", "[DONE]"])
        XCTAssertEqual(events.map(\.event), [nil, nil, nil, "error", nil])
    }
}
