import Foundation
import XCTest
@testable import Inference

/// The qwen2 forward pass and Qwen's tool format on the real Qwen2.5-Coder-0.5B-Instruct file.
final class QwenGenerationTests: XCTestCase {
    static let bigAdd = ToolSpec(
        name: "big_add", description: "Add to number",
        parametersJSON: #"{"type":"object","properties":{"left":{"type":"integer","description":"The left operator"},"right":{"type":"integer","description":"The right operator."}},"required":["left","right"]}"#)
    static let quickStart = [
        ChatTurn(role: "system", content: "You are a helpful assistant. When asked a question, use tools wherever possible."),
        ChatTurn(role: "user", content: "Add 87787 to 788988737 with big_add."),
    ]

    func testConfigReadsQwen2Metadata() throws {
        let c = try QwenTestModel.model().config
        XCTAssertEqual(c.architecture, .qwen2)
        XCTAssertEqual([c.layerCount, c.embeddingLength, c.headCount, c.kvHeadCount, c.headDim], [24, 896, 14, 2, 64])
        XCTAssertEqual(c.ropeFrequencyBase, 1_000_000)
        XCTAssertEqual(c.trainedContextLength, 32768)
        XCTAssertEqual(c.kvBytesPerPosition, 24 * 128 * 4)
        // 8192 positions when memory allows, never under 2048, never over the trained length.
        XCTAssertEqual(c.defaultContextLength(physicalMemory: 16 << 30), 8192)
        XCTAssertEqual(c.defaultContextLength(physicalMemory: 256 << 20), 2048)
    }

    /// Greedy decoding equals llama.cpp's on the fixture prompts, token for token.
    func testGreedyTokensMatchLlamaCpp() throws {
        let model = try QwenTestModel.model()
        let cases = try XCTUnwrap(QwenTestModel.fixture()["greedy"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 8)
        for c in cases {
            let prompt = try XCTUnwrap(c["prompt_ids"] as? [Int]).map(Int32.init)
            let expected = try XCTUnwrap(c["output_ids"] as? [Int]).map(Int32.init)
            var produced: [Int32] = []
            try model.withSession { session in
                try session.setPrompt(prompt)
                for step in expected.indices {
                    let next = Sampler.argmax(session.logits, nil)
                    produced.append(next)
                    if next != expected[step] || model.tokenizer.isControl(next) { break }
                    try session.append([next])
                }
            }
            XCTAssertEqual(produced, expected, "prompt \(c["messages"] ?? "")")
        }
    }

    func testGenerateAPIPromptEqualsTheFixtures() async throws {
        let model = try QwenTestModel.model()
        let c = try XCTUnwrap((QwenTestModel.fixture()["greedy"] as? [[String: Any]])?[0])
        let messages = try XCTUnwrap(c["messages"] as? [[String]])
        let events = try await TestModel.run(model, messages.map { ChatTurn(role: $0[0], content: $0[1]) },
                                             sampling: SamplingOptions(temperature: 0, maxTokens: 64))
        var text = ""
        for case let .textDelta(t) in events { text += t }
        XCTAssertEqual(text, "The capital of France is Paris.")
        guard case let .finished(reason, promptTokens, _)? = events.last else { return XCTFail("no finish event") }
        XCTAssertEqual(reason, .stop)
        XCTAssertEqual(promptTokens, (c["prompt_ids"] as? [Int])?.count)
    }

    private func calls(_ events: [GenerationEvent]) -> [GeneratedToolCall] {
        events.compactMap { if case let .toolCall(c) = $0 { c } else { nil } }
    }

    /// The quick start: big_add is called with the question's two numbers.
    func testQuickStartCallsBigAddWithTheRightArguments() async throws {
        let model = try QwenTestModel.model()
        let events = try await TestModel.run(model, Self.quickStart, tools: [Self.bigAdd], choice: .auto,
                                             sampling: SamplingOptions(temperature: 0, maxTokens: 128))
        let made = calls(events)
        XCTAssertEqual(made.map(\.name), ["big_add"])
        let arguments = try JSONText.parse(try XCTUnwrap(made.first).argumentsJSON)
        XCTAssertEqual(arguments["left"], .number("87787"))
        XCTAssertEqual(arguments["right"], .number("788988737"))
        guard case .finished(.toolCalls, _, _)? = events.last else { return XCTFail("expected finish reason tool_calls") }
    }

    /// Asked for something no tool serves, the model writes a call to a made-up tool; auto
    /// reads that as no call, and the reply is text.
    func testAutoRepliesInTextWhenNoDeclaredToolFits() async throws {
        let model = try QwenTestModel.model()
        let events = try await TestModel.run(model, [ChatTurn(role: "user", content: "Tell me a short joke.")], tools: [Self.bigAdd],
                                             choice: .auto, sampling: SamplingOptions(temperature: 0, maxTokens: 40))
        XCTAssertTrue(calls(events).isEmpty)
        var text = ""
        for case let .textDelta(t) in events { text += t }
        XCTAssertFalse(text.hasPrefix("{"), text)
        XCTAssertFalse(text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    /// After the tool's result the model answers in text, with tool_choice none as the local
    /// backend sends it then (offered its tools again, this model repeats its call).
    func testToolResultIsAnsweredInText() async throws {
        let model = try QwenTestModel.model()
        let turns = Self.quickStart + [
            ChatTurn(role: "assistant", content: "", toolCalls: [GeneratedToolCall(id: "call_1", name: "big_add", argumentsJSON: #"{"left": 87787, "right": 788988737}"#)]),
            ChatTurn(role: "tool", content: "789076524", toolCallID: "call_1"),
        ]
        let events = try await TestModel.run(model, turns, tools: [Self.bigAdd], choice: .none, sampling: SamplingOptions(temperature: 0, maxTokens: 64))
        var text = ""
        for case let .textDelta(t) in events { text += t }
        XCTAssertTrue(calls(events).isEmpty)
        XCTAssertTrue(text.contains("789076524") || text.contains("789,076,524"), text)
    }

    /// Whatever is sampled, a call names a declared tool and its arguments validate.
    func testSampledCallsUseDeclaredNamesAndValidArguments() async throws {
        let model = try QwenTestModel.model()
        let tools = [Self.bigAdd, ToolCallTests.weather, ToolCallTests.event, ToolCallTests.search]
        let turns = [ChatTurn(role: "user", content: "Schedule lunch with Ana on day 3, then find toy trains.")]
        for seed in 0..<6 {
            let choice: ToolChoiceMode = seed % 2 == 0 ? .required : .function(tools[seed % tools.count].name)
            let sampling = SamplingOptions(temperature: 1.2, seed: UInt64(seed), maxTokens: seed == 4 ? 24 : 80)
            let events = try await TestModel.run(model, turns, tools: tools, choice: choice, sampling: sampling)
            let made = calls(events)
            XCTAssertEqual(made.count, 1, "seed \(seed)")
            for call in made {
                let tool = try XCTUnwrap(tools.first { $0.name == call.name }, call.name)
                if case let .function(name) = choice { XCTAssertEqual(call.name, name) }
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(call.argumentsJSON.utf8)), call.argumentsJSON)
                XCTAssertEqual(SchemaValidator.validate(try JSONText.parse(call.argumentsJSON), try JSONText.parse(tool.parametersJSON)), [],
                               call.argumentsJSON)
            }
            XCTAssertFalse(events.contains { if case .textDelta = $0 { true } else { false } }, "a forced call has no text")
        }
    }

    func testToolChoiceNoneHidesTheTools() async throws {
        let model = try QwenTestModel.model()
        let events = try await TestModel.run(model, Self.quickStart, tools: [Self.bigAdd], choice: .none,
                                             sampling: SamplingOptions(temperature: 0, maxTokens: 24))
        XCTAssertTrue(calls(events).isEmpty)
        let prompt = try XCTUnwrap(model.qwenPrompt).tokens(turns: Self.quickStart, tools: [])
        guard case let .finished(_, promptTokens, _)? = events.last else { return XCTFail("no finish") }
        XCTAssertEqual(promptTokens, prompt.count, "no <tools> block")
    }

    /// A penalty above 1 changes a looping greedy continuation; 1 leaves it as it was.
    func testRepetitionPenaltyBreaksALoop() async throws {
        let model = try QwenTestModel.model()
        let turns = [ChatTurn(role: "user", content: "Write a haiku about the sea.")]
        func text(_ penalty: Double) async throws -> String {
            var s = ""
            for case let .textDelta(t) in try await TestModel.run(model, turns, sampling: SamplingOptions(temperature: 0, maxTokens: 24, repetitionPenalty: penalty)) { s += t }
            return s
        }
        let plain = try await text(1), penalised = try await text(1.3)
        XCTAssertEqual(plain.components(separatedBy: "Whispers of the sea").count - 1, 3, plain)
        XCTAssertLessThan(penalised.components(separatedBy: "Whispers of the sea").count - 1, 3, penalised)
    }
}
