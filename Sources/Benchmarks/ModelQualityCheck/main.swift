import Foundation
import Inference

// The embedded models' answer quality on the quick start's questions, reproducible:
//
//   swift run -c release ModelQualityCheck [--model PATH]... [--seeds 10]
//
// Without --model it checks every installed model of assistd's models folder. Each model gets,
// with the local backend's sampling defaults (temperature 0.2, repetition penalty 1.1,
// max_tokens 512) and seeds 0..<seeds:
//   big_add  the quick start's request (system instructions, big_add tool, tool_choice auto):
//            right when the reply is one big_add call with left 87787 and right 788988737;
//   no tool  six requests that need no tool, big_add offered: right when the reply is text;
//   facts    ten short questions without tools: right when the answer contains the expected word.
// Then a table: model, each check's score, seconds per request. Exit 0 (it reports; it does
// not gate).

struct Options {
    var models: [String] = []
    var seeds = 10

    init(_ args: [String]) {
        var i = 1
        while i < args.count {
            switch args[i] {
            case "--model": i += 1; models.append(args[i])
            case "--seeds": i += 1; seeds = Int(args[i]) ?? 10
            default:
                FileHandle.standardError.write(Data("usage: ModelQualityCheck [--model PATH]... [--seeds N]\n".utf8))
                exit(2)
            }
            i += 1
        }
    }
}

let bigAdd = ToolSpec(
    name: "big_add", description: "Add to number",
    parametersJSON: #"{"type":"object","properties":{"left":{"type":"integer","description":"The left operator"},"right":{"type":"integer","description":"The right operator."}},"required":["left","right"]}"#)
let quickStart = [
    ChatTurn(role: "system", content: "You are a helpful assistant. When asked a question, use tools wherever possible."),
    ChatTurn(role: "user", content: "Add 87787 to 788988737 with big_add."),
]
let noToolPrompts = [
    "Hello! How are you today?",
    "Write a haiku about autumn.",
    "Tell me a short joke.",
    "Explain what a CPU is in one sentence.",
    "Translate 'thank you' into Spanish.",
    "What is your favourite colour?",
]
let facts: [(String, [String])] = [
    ("What is the capital of France?", ["paris"]),
    ("What is the capital of Japan?", ["tokyo"]),
    ("Which planet is the largest in the solar system?", ["jupiter"]),
    ("What is 12 times 7?", ["84"]),
    ("Who wrote Romeo and Juliet?", ["shakespeare"]),
    ("What is the chemical symbol for gold?", ["au"]),
    ("How many days are in a week?", ["7", "seven"]),
    ("At what temperature in degrees Celsius does water freeze?", ["0", "zero"]),
    ("Who painted the Mona Lisa?", ["leonardo", "vinci"]),
    ("What gas do plants absorb from the air for photosynthesis?", ["carbon dioxide", "co2"]),
]

func sampling(seed: Int) -> SamplingOptions {
    SamplingOptions(temperature: 0.2, seed: UInt64(seed), maxTokens: 512, repetitionPenalty: 1.1)
}

struct Reply {
    var text = ""
    var calls: [GeneratedToolCall] = []
}

func generate(_ model: LlamaModel, _ turns: [ChatTurn], tools: [ToolSpec], seed: Int) async throws -> Reply {
    var reply = Reply()
    for try await event in model.generate(turns: turns, tools: tools, toolChoice: .auto, sampling: sampling(seed: seed)) {
        switch event {
        case let .textDelta(t): reply.text += t
        case let .toolCall(c): reply.calls.append(c)
        case .finished: break
        }
    }
    return reply
}

/// The argument's digits, whether the model wrote a number or a string.
func digits(_ value: JSONText?) -> String? {
    switch value {
    case let .number(n)?: n
    case let .string(s)?: s
    default: nil
    }
}

struct Score {
    var right = 0, total = 0
    var cell: String { "\(right)/\(total)" }
}

func check(_ path: String, seeds: Int) async throws -> (name: String, bigAdd: Score, noTool: Score, facts: Score, secondsPerRequest: Double) {
    let model = try LlamaModel.load(path: path, threads: 2)
    let name = URL(fileURLWithPath: path).lastPathComponent
    let started = Date()
    var requests = 0
    var bigAddScore = Score(), noToolScore = Score(), factScore = Score()
    func log(_ line: String) { FileHandle.standardError.write(Data("\(name): \(line)\n".utf8)) }
    for seed in 0..<seeds {
        let reply = try await generate(model, quickStart, tools: [bigAdd], seed: seed)
        requests += 1
        let arguments = reply.calls.first.flatMap { try? JSONText.parse($0.argumentsJSON) }
        let right = reply.calls.count == 1 && reply.calls[0].name == "big_add"
            && digits(arguments?["left"]) == "87787" && digits(arguments?["right"]) == "788988737"
        bigAddScore.total += 1
        if right { bigAddScore.right += 1 }
        log("big_add seed \(seed): \(right ? "right" : "WRONG") \(reply.calls.map { "\($0.name)(\($0.argumentsJSON))" }) \(reply.text.prefix(80).debugDescription)")
    }
    for (i, prompt) in noToolPrompts.enumerated() {
        let reply = try await generate(model, [ChatTurn(role: "user", content: prompt)], tools: [bigAdd], seed: i)
        requests += 1
        let right = reply.calls.isEmpty && !reply.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        noToolScore.total += 1
        if right { noToolScore.right += 1 }
        log("no tool \(prompt.debugDescription): \(right ? "right" : "WRONG") calls \(reply.calls.map(\.name)) \(reply.text.prefix(80).debugDescription)")
    }
    for (i, (question, expected)) in facts.enumerated() {
        let reply = try await generate(model, [ChatTurn(role: "user", content: question)], tools: [], seed: i)
        requests += 1
        let answer = reply.text.lowercased()
        let right = expected.contains { answer.contains($0) }
        factScore.total += 1
        if right { factScore.right += 1 }
        log("fact \(question.debugDescription): \(right ? "right" : "WRONG") \(reply.text.prefix(100).debugDescription)")
    }
    return (name, bigAddScore, noToolScore, factScore, Date().timeIntervalSince(started) / Double(requests))
}

let options = Options(CommandLine.arguments)
let paths = options.models.isEmpty ? GGUFLocator.installedFiles() : options.models
guard !paths.isEmpty else {
    FileHandle.standardError.write(Data("no model: pass --model PATH or run `assistd model install`\n".utf8))
    exit(1)
}
var rows: [String] = []
for path in paths {
    let r = try await check(path, seeds: options.seeds)
    rows.append("| \(r.name) | \(r.bigAdd.cell) | \(r.noTool.cell) | \(r.facts.cell) | \(String(format: "%.1f", r.secondsPerRequest)) |")
}
print("| model | big_add right arguments | no tool needed: text | facts right | s/request |")
print("|---|---|---|---|---|")
for row in rows { print(row) }
