import Foundation
import Inference

let path = GGUFLocator.find()!
let model = try LlamaModel.load(path: path, threads: 2)
let weather = ToolSpec(name: "get_current_weather", description: "Get the current weather in a given location",
                       parametersJSON: #"{"type":"object","properties":{"location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]}"#)
for choice in [ToolChoiceMode.auto, .required, .function("get_current_weather"), .none] {
    let t0 = Date()
    var out = ""
    for try await e in model.generate(turns: [ChatTurn(role: "system", content: "You are a helpful assistant."), ChatTurn(role: "user", content: "What's the weather like in Boston today?")],
                                      tools: [weather], toolChoice: choice, sampling: SamplingOptions(temperature: 0.2, seed: 1, maxTokens: 64)) {
        switch e {
        case let .textDelta(t): out += t
        case let .toolCall(c): out += "[CALL \(c.name) \(c.argumentsJSON)]"
        case let .finished(r, p, c): out += " <\(r) \(p)/\(c)>"
        }
    }
    print(choice, out.debugDescription, Date().timeIntervalSince(t0))
}
