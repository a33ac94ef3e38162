import Dispatch
import Foundation
import Inference

/// Tool-call generation: every token is masked by the JSON-schema matcher, so this measures the
/// grammar's cost on top of plain decoding. Seeded sampling, the same calls on every run.
enum ToolCallDecode {
    static let tools = [
        ToolSpec(name: "create_event", description: "Create a calendar event",
                 parametersJSON: #"{"type":"object","properties":{"title":{"type":"string","maxLength":40},"day":{"type":"integer","minimum":0},"attendees":{"type":"array","items":{"type":"string","minLength":1},"minItems":1,"maxItems":3},"all_day":{"type":"boolean"}},"required":["title","attendees","all_day"]}"#),
        ToolSpec(name: "search_products", description: "Search the product catalogue",
                 parametersJSON: #"{"type":"object","properties":{"query":{"type":"string"},"filters":{"type":"object","properties":{"category":{"type":"string","enum":["books","music","toys"]},"max_price":{"type":"number","minimum":0},"in_stock":{"type":"boolean"}},"required":["category"]},"note":{"type":["string","null"]},"extra":{}},"required":["query","filters"]}"#),
    ]
    static let prompt = "Schedule lunch with Ana and Bo on day 3, then find me cheap toy trains that are in stock."

    /// Completion tokens and the seconds they took, over `samples` seeded calls of each tool.
    static func measure(_ model: LlamaModel, samples: Int) throws -> (tokens: Int, seconds: Double) {
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                var tokens = 0
                let start = DispatchTime.now().uptimeNanoseconds
                for tool in tools {
                    for seed in 0..<samples {
                        let sampling = SamplingOptions(temperature: 1, seed: UInt64(seed), maxTokens: 48)
                        let stream = model.generate(turns: [ChatTurn(role: "user", content: prompt)], tools: tools,
                                                    toolChoice: .function(tool.name), sampling: sampling)
                        for try await event in stream {
                            if case let .finished(_, _, completionTokens) = event { tokens += completionTokens }
                        }
                    }
                }
                outcome.set(.success((tokens, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)))
            } catch {
                outcome.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        return try outcome.get()
    }

    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<(Int, Double), Error> = .success((0, 0))
        func set(_ result: Result<(Int, Double), Error>) { lock.withLock { self.result = result } }
        func get() throws -> (tokens: Int, seconds: Double) { try lock.withLock { try result.get() } }
    }
}
