import XCTest
@testable import Inference

/// Greedy decoding against llama.cpp's own output on the same file
/// (Fixtures/greedy.json, made by make_fixtures.py with llama-cpp-python).
final class GreedyGenerationTests: XCTestCase {
    func testGreedyTokensMatchLlamaCpp() throws {
        let model = try TestModel.model()
        let fixture = try XCTUnwrap(TestModel.fixture("greedy.json") as? [String: Any])
        let generator = try XCTUnwrap(fixture["generator"] as? [String: Any])
        XCTAssertEqual(generator["llama_cpp_python"] as? String, "0.3.36")
        let cases = try XCTUnwrap(fixture["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 8)
        var worstLogitError: Float = 0
        for c in cases {
            let prompt = try XCTUnwrap(c["prompt_ids"] as? [Int]).map(Int32.init)
            let expected = try XCTUnwrap(c["output_ids"] as? [Int]).map(Int32.init)
            let tops = try XCTUnwrap(c["top_logits"] as? [[[Double]]])
            var produced: [Int32] = []
            try model.withSession { session in
                try session.setPrompt(prompt)
                for step in expected.indices {
                    let logits = session.logits
                    for pair in tops[step] {
                        worstLogitError = max(worstLogitError, abs(logits[Int(pair[0])] - Float(pair[1])))
                    }
                    let next = Sampler.argmax(logits, nil)
                    produced.append(next)
                    if next != expected[step] || next == model.tokenizer.eosID { break }
                    try session.append([next])
                }
            }
            XCTAssertEqual(produced, expected, "prompt \(c["messages"] ?? "")")
        }
        // The engine reproduces ggml's arithmetic; logits agree to float rounding.
        XCTAssertLessThan(worstLogitError, 1e-3)
    }

    func testGenerateAPIGreedyMatchesFixtureText() async throws {
        let model = try TestModel.model()
        let fixture = try XCTUnwrap(TestModel.fixture("greedy.json") as? [String: Any])
        let c = try XCTUnwrap((fixture["cases"] as? [[String: Any]])?[2])
        let messages = try XCTUnwrap(c["messages"] as? [[String]])
        let expected = try XCTUnwrap(c["output_ids"] as? [Int]).map(Int32.init)
        let events = try await TestModel.run(model, messages.map { ChatTurn(role: $0[0], content: $0[1]) },
                                             sampling: SamplingOptions(temperature: 0, maxTokens: 64))
        var text = ""
        for case let .textDelta(t) in events { text += t }
        XCTAssertEqual(text, String(decoding: model.tokenizer.decode(expected), as: UTF8.self))
        guard case let .finished(reason, promptTokens, completionTokens)? = events.last else { return XCTFail("no finish event") }
        XCTAssertEqual(reason, expected.last == 2 ? .stop : .length)
        XCTAssertEqual(promptTokens, (c["prompt_ids"] as? [Int])?.count)
        XCTAssertEqual(completionTokens, expected.count)
    }

    func testMaxTokensStopsWithLength() async throws {
        let model = try TestModel.model()
        let events = try await TestModel.run(model, [ChatTurn(role: "user", content: "Count from 1 to 100.")],
                                             sampling: SamplingOptions(temperature: 0, maxTokens: 5))
        guard case let .finished(reason, _, completion)? = events.last else { return XCTFail("no finish event") }
        XCTAssertEqual(reason, .length)
        XCTAssertEqual(completion, 5)
    }

    func testSeededSamplingIsDeterministic() async throws {
        let model = try TestModel.model()
        let turns = [ChatTurn(role: "user", content: "Tell me a short story about a cat.")]
        func text(_ seed: UInt64) async throws -> String {
            var s = ""
            for case let .textDelta(t) in try await TestModel.run(model, turns, sampling: SamplingOptions(temperature: 1.0, topP: 0.95, topK: 40, seed: seed, maxTokens: 24)) { s += t }
            return s
        }
        let a = try await text(1), b = try await text(1), c = try await text(2)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    func testSamplerHonoursTopKAndTemperature() {
        var logits = [Float](repeating: -10, count: 100)
        logits[3] = 5; logits[7] = 4.9; logits[9] = 1
        logits.withUnsafeBufferPointer { l in
            var greedy = Sampler(options: .greedy)
            XCTAssertEqual(greedy.sample(l), 3)
            var topOne = Sampler(options: SamplingOptions(temperature: 5, topK: 1, seed: 3))
            for _ in 0..<50 { XCTAssertEqual(topOne.sample(l), 3) }
            var topTwo = Sampler(options: SamplingOptions(temperature: 1, topK: 2, seed: 3))
            let picks = Set((0..<200).map { _ in topTwo.sample(l) })
            XCTAssertEqual(picks, [3, 7])
            var masked = Sampler(options: SamplingOptions(temperature: 1, seed: 3))
            for _ in 0..<50 { XCTAssertEqual(masked.sample(l, allowed: [9, 50]), 9) }
        }
    }

    func testCancellationStopsGeneration() async throws {
        let model = try TestModel.model()
        let started = Date()
        let consumer = Task {
            var deltas = 0
            for try await e in model.generate(turns: [ChatTurn(role: "user", content: "Write a long essay about the ocean.")],
                                              sampling: SamplingOptions(temperature: 0, maxTokens: 2000)) {
                if case .textDelta = e { deltas += 1 }
                if deltas == 3 { withUnsafeCurrentTask { $0?.cancel() } }
            }
            return deltas
        }
        do {
            let deltas = try await consumer.value
            XCTAssertLessThan(deltas, 20, "generation went on after cancellation")
        } catch is CancellationError {
            // The stream ends by throwing CancellationError once the engine notices.
        }
        // The model is free again: a new generation runs to completion.
        let events = try await TestModel.run(model, [ChatTurn(role: "user", content: "Hi")], sampling: SamplingOptions(temperature: 0, maxTokens: 4))
        guard case .finished? = events.last else { return XCTFail("no finish after cancellation") }
        // Not a timing assertion: 2000 tokens would take minutes; this bounds a hang only.
        XCTAssertLessThan(Date().timeIntervalSince(started), 120)
    }
}
