import Foundation
import XCTest
@testable import Inference

final class ToolCallTests: XCTestCase {
    static let weather = ToolSpec(name: "get_current_weather", description: "Get the current weather in a given location",
                                  parametersJSON: #"{"type":"object","properties":{"location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]}"#)
    static let event = ToolSpec(name: "create_event", description: "Create a calendar event",
                                parametersJSON: #"{"type":"object","properties":{"title":{"type":"string","maxLength":40},"day":{"type":"integer","minimum":0},"attendees":{"type":"array","items":{"type":"string","minLength":1},"minItems":1,"maxItems":3},"all_day":{"type":"boolean"}},"required":["title","attendees","all_day"],"additionalProperties":false}"#)
    static let thermostat = ToolSpec(name: "set_thermostat", description: "Set the thermostat",
                                     parametersJSON: #"{"type":"object","properties":{"temperature":{"type":"number"},"mode":{"enum":["heat","cool","auto",null]},"zones":{"type":"array","items":{"type":"integer"}}},"required":["temperature","mode"]}"#)
    static let search = ToolSpec(name: "search_products", description: "Search the product catalogue",
                                 parametersJSON: #"{"type":"object","properties":{"query":{"type":"string"},"filters":{"type":"object","properties":{"category":{"type":"string","enum":["books","music","toys"]},"max_price":{"type":"number","minimum":0},"in_stock":{"type":"boolean"}},"required":["category"]},"note":{"type":["string","null"],"pattern":"^[a-z]+$"},"extra":{}},"required":["query","filters"]}"#)

    private func check(_ call: GeneratedToolCall, against tool: ToolSpec, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(call.name, tool.name, file: file, line: line)
        // An independent parser first (Foundation), then the typed validation.
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(call.argumentsJSON.utf8)), call.argumentsJSON, file: file, line: line)
        let value = try JSONText.parse(call.argumentsJSON)
        let errors = SchemaValidator.validate(value, try JSONText.parse(tool.parametersJSON))
        XCTAssertEqual(errors, [], call.argumentsJSON, file: file, line: line)
    }

    /// 50 seeded samples per schema, all parse and validate (short budgets force
    /// the shortest-completion path too).
    func testSchemaConstrainedArgumentsAlwaysValidate() async throws {
        let model = try TestModel.model()
        let prompts: [String: String] = [
            Self.weather.name: "What's the weather like in Boston today?",
            Self.event.name: "Schedule lunch with Ana and Bo on day 3.",
            Self.thermostat.name: "Make it 21.5 degrees and heat the house.",
            Self.search.name: "Find me cheap toy trains that are in stock.",
        ]
        for tool in [Self.weather, Self.event, Self.thermostat, Self.search] {
            // A call may run past max tokens only by its forced header and shortest closing text.
            let shortest = JSONSchemaMatcher(graph: try SchemaGraph(schemaJSON: tool.parametersJSON, toolName: tool.name)).minimalCompletion()
            let allowance = model.tokenizer.encode("functions.\(tool.name):\n" + String(decoding: shortest, as: UTF8.self)).count
            var valid = 0
            for seed in 0..<50 {
                let sampling = SamplingOptions(temperature: 1.0, topP: 1, topK: 0, seed: UInt64(seed), maxTokens: seed % 5 == 0 ? 12 : 36)
                let events = try await TestModel.run(model, [ChatTurn(role: "user", content: prompts[tool.name]!)],
                                                     tools: [tool], choice: .function(tool.name), sampling: sampling)
                let calls = events.compactMap { if case let .toolCall(c) = $0 { return c } else { return nil } }
                XCTAssertEqual(calls.count, 1, "seed \(seed)")
                for call in calls {
                    try check(call, against: tool)
                    valid += 1
                }
                guard case let .finished(reason, _, completion)? = events.last else { return XCTFail("no finish") }
                XCTAssertEqual(reason, .toolCalls)
                XCTAssertLessThanOrEqual(completion, sampling.maxTokens + allowance, "budget respected up to the closing characters")
            }
            XCTAssertEqual(valid, 50, tool.name)
        }
    }

    func testToolChoiceNoneNeverCalls() async throws {
        let model = try TestModel.model()
        let events = try await TestModel.run(model, [ChatTurn(role: "user", content: "What's the weather like in Boston today?")],
                                             tools: [Self.weather], choice: .none, sampling: SamplingOptions(temperature: 0, maxTokens: 16))
        XCTAssertFalse(events.contains { if case .toolCall = $0 { true } else { false } })
        XCTAssertTrue(events.contains { if case let .textDelta(t) = $0 { !t.isEmpty } else { false } })
    }

    func testToolChoiceRequiredAndNamedAlwaysCall() async throws {
        let model = try TestModel.model()
        let tools = [Self.weather, Self.event]
        let turns = [ChatTurn(role: "system", content: "You are a helpful assistant."), ChatTurn(role: "user", content: "Hello there!")]
        let required = try await TestModel.run(model, turns, tools: tools, choice: .required, sampling: SamplingOptions(temperature: 0, maxTokens: 60))
        let requiredCalls = required.compactMap { if case let .toolCall(c) = $0 { return c } else { return nil } }
        XCTAssertEqual(requiredCalls.count, 1)
        if let c = requiredCalls.first { try check(c, against: tools.first { $0.name == c.name }!) }
        let named = try await TestModel.run(model, turns, tools: tools, choice: .function("create_event"), sampling: SamplingOptions(temperature: 0, maxTokens: 60))
        let namedCalls = named.compactMap { if case let .toolCall(c) = $0 { return c } else { return nil } }
        XCTAssertEqual(namedCalls.map(\.name), ["create_event"])
        if let c = namedCalls.first { try check(c, against: Self.event) }
        XCTAssertFalse(named.contains { if case .textDelta = $0 { true } else { false } })
    }

    func testToolChoiceAutoCallsOrReplies() async throws {
        let model = try TestModel.model()
        let system = ChatTurn(role: "system", content: "You are a helpful assistant.")
        let call = try await TestModel.run(model, [system, ChatTurn(role: "user", content: "What's the weather like in Boston today?")],
                                           tools: [Self.weather], choice: .auto, sampling: SamplingOptions(temperature: 0, maxTokens: 60))
        let calls = call.compactMap { if case let .toolCall(c) = $0 { return c } else { return nil } }
        XCTAssertEqual(calls.count, 1, "the weather question is answered with a call")
        if let c = calls.first {
            try check(c, against: Self.weather)
            XCTAssertTrue(c.argumentsJSON.contains("Boston"), c.argumentsJSON)
        }
        guard case .finished(.toolCalls, _, _)? = call.last else { return XCTFail("expected finish reason tool_calls") }
        // Whatever auto picks, the output is one of the two shapes, never a mix.
        let other = try await TestModel.run(model, [system, ChatTurn(role: "user", content: "Say hello in French.")],
                                            tools: [Self.weather], choice: .auto, sampling: SamplingOptions(temperature: 0, maxTokens: 30))
        let texts = other.filter { if case .textDelta = $0 { true } else { false } }
        let otherCalls = other.compactMap { if case let .toolCall(c) = $0 { return c } else { return nil } }
        XCTAssertTrue(texts.isEmpty != otherCalls.isEmpty)
        for c in otherCalls { try check(c, against: Self.weather) }
    }

    func testHistoryWithToolCallsRenders() async throws {
        let model = try TestModel.model()
        let turns = [
            ChatTurn(role: "user", content: "What's the weather like in Boston today?"),
            ChatTurn(role: "assistant", content: "", toolCalls: [GeneratedToolCall(id: "call_1", name: "get_current_weather", argumentsJSON: #"{"location": "Boston, MA"}"#)]),
            ChatTurn(role: "tool", content: #"{"temperature": 21, "unit": "celsius"}"#, toolCallID: "call_1"),
        ]
        let events = try await TestModel.run(model, turns, tools: [Self.weather], choice: .none, sampling: SamplingOptions(temperature: 0, maxTokens: 12))
        guard case .finished? = events.last else { return XCTFail("no finish") }
        let prompt = try model.chatPrompt.tokens(turns: turns, tools: [Self.weather])
        let text = String(decoding: model.tokenizer.decode(prompt, renderSpecial: true), as: UTF8.self)
        XCTAssertTrue(text.contains("<|im_start|>assistant\nfunctions.get_current_weather:\n{\"location\": \"Boston, MA\"}<|im_end|>"), text)
        XCTAssertTrue(text.contains("<|im_start|>tool\n{\"temperature\": 21, \"unit\": \"celsius\"}<|im_end|>"), text)
        XCTAssertTrue(text.contains("functions.get_current_weather:\n// Get the current weather"), text)
    }

    func testBadRequestsAreClearErrors() async throws {
        let model = try TestModel.model()
        let turns = [ChatTurn(role: "user", content: "Hi")]
        do {
            _ = try await TestModel.run(model, turns, tools: [Self.weather], choice: .function("nope"), sampling: .greedy)
            XCTFail("unknown tool accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("'nope'"), "\(error)")
        }
        do {
            _ = try await TestModel.run(model, turns, tools: [ToolSpec(name: "broken", parametersJSON: "{nope")], choice: .auto, sampling: .greedy)
            XCTFail("invalid schema accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("broken"), "\(error)")
        }
        do {
            _ = try await TestModel.run(model, [ChatTurn(role: "wizard", content: "x")], sampling: .greedy)
            XCTFail("unknown role accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("wizard"), "\(error)")
        }
    }
}
