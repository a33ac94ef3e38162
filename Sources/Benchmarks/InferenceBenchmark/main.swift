import Foundation
import Inference

// Benchmark: assistd's embedded engine against llama.cpp (llama-cpp-python) on the
// same GGUF file, same token ids, same thread count, runs interleaved, medians.
//
//   swift run -c release InferenceBenchmark [--runs 5] [--threads 2] [--model PATH]
//         [--python PATH | --install-llama-cpp [--venv DIR]] [--skip-llama-cpp] [--tool-call-samples 4]
//
// It also times schema-constrained tool-call generation (assistd only: the grammar's cost).
//
//   swift run -c release InferenceBenchmark --kernels [--model PATH] [--threads 2] [--batch 32]
//
// times, instead, each weight type's matmul kernel on the file's largest layer tensor of
// that type: one token (decode) and a batch of tokens (prompt).
//
// llama.cpp is only built when --install-llama-cpp is given (pip, from source,
// ~7 min on 2 cores); never in CI.

struct Options {
    var runs = 5
    var threads = 2
    var model: String?
    var python: String?
    var install = false
    var skipLlamaCpp = false
    var venv = NSHomeDirectory() + "/.cache/assistd/llama-cpp-venv"
    var decodeTokens = 128
    var promptTokens = 500
    var toolCallSamples = 4
    var kernels = false
    var json = false
    var batch = 32

    init(_ args: [String]) {
        var i = 1
        func value() -> String {
            i += 1
            guard i < args.count else { fail("missing value for \(args[i - 1])") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--runs": runs = max(1, Int(value()) ?? 5)
            case "--threads": threads = max(1, Int(value()) ?? 2)
            case "--model": model = value()
            case "--python": python = value()
            case "--venv": venv = value()
            case "--install-llama-cpp": install = true
            case "--skip-llama-cpp": skipLlamaCpp = true
            case "--decode-tokens": decodeTokens = max(1, Int(value()) ?? 128)
            case "--prompt-tokens": promptTokens = max(2, Int(value()) ?? 500)
            case "--tool-call-samples": toolCallSamples = max(0, Int(value()) ?? 4)
            case "--kernels": kernels = true
            case "--json": json = true
            case "--batch": batch = max(1, Int(value()) ?? 32)
            case "-h", "--help":
                print("usage: InferenceBenchmark [--runs N] [--threads T] [--model PATH] [--python PATH | --install-llama-cpp [--venv DIR]] [--skip-llama-cpp] [--decode-tokens N] [--prompt-tokens N] [--tool-call-samples N (per tool, 0 = skip)] [--json] | --kernels [--model PATH] [--threads T] [--batch N]")
                exit(0)
            default: fail("unknown argument \(args[i])")
            }
            i += 1
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("InferenceBenchmark: \(message)\n".utf8))
    exit(2)
}

struct Measurement {
    var promptSeconds: Double
    var ttftSeconds: Double
    var decodeSeconds: Double
    var peakRSSMiB: Double
    /// CPU seconds of the whole process (all threads) in each phase: steadier than wall
    /// time on a loaded machine when comparing two builds at --threads 1.
    var promptCPUSeconds = 0.0, ttftCPUSeconds = 0.0, decodeCPUSeconds = 0.0
}

func peakRSSMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else { return .nan }
    return kb / 1024
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func processCPUTime() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func argmax(_ l: UnsafeBufferPointer<Float>) -> Int32 {
    var best = 0
    for i in 1..<l.count where l[i] > l[best] { best = i }
    return Int32(best)
}

func measureEngine(_ model: LlamaModel, longPrompt: [Int32], chatPrompt: [Int32], decodeTokens: Int) throws -> Measurement {
    try model.withSession { s in
        s.reset()
        var t0 = now(), c0 = processCPUTime()
        try s.append(longPrompt)
        let prompt = now() - t0, promptCPU = processCPUTime() - c0
        s.reset()
        t0 = now(); c0 = processCPUTime()
        try s.append(chatPrompt)
        var token = argmax(s.logits)
        let ttft = now() - t0, ttftCPU = processCPUTime() - c0
        t0 = now(); c0 = processCPUTime()
        for _ in 0..<decodeTokens {
            try s.append([token])
            token = argmax(s.logits)
        }
        let decode = now() - t0, decodeCPU = processCPUTime() - c0
        var m = Measurement(promptSeconds: prompt, ttftSeconds: ttft, decodeSeconds: decode, peakRSSMiB: peakRSSMiB())
        (m.promptCPUSeconds, m.ttftCPUSeconds, m.decodeCPUSeconds) = (promptCPU, ttftCPU, decodeCPU)
        return m
    }
}

func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.standardError
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

func installLlamaCpp(venv: String) throws -> String {
    let python = venv + "/bin/python"
    if !FileManager.default.isExecutableFile(atPath: python) {
        FileHandle.standardError.write(Data("creating \(venv)\n".utf8))
        guard try run("/usr/bin/env", ["python3", "-m", "venv", venv]).0 == 0 else { fail("python3 -m venv failed") }
    }
    FileHandle.standardError.write(Data("building llama-cpp-python 0.3.36 from source (about 7 minutes on 2 cores)\n".utf8))
    let pip = venv + "/bin/pip"
    guard try run(pip, ["install", "numpy"]).0 == 0,
          try run(pip, ["install", "--no-binary", "llama-cpp-python", "llama-cpp-python==0.3.36"]).0 == 0 else {
        fail("pip install llama-cpp-python failed")
    }
    return python
}

func measureLlamaCpp(python: String, script: String, spec: String) throws -> (Measurement, String) {
    let (status, out) = try run(python, [script, spec])
    guard status == 0, let line = out.split(separator: "\n").last,
          let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
          let prompt = json["prompt_s"] as? Double, let ttft = json["ttft_s"] as? Double,
          let decode = json["decode_s"] as? Double, let rss = json["peak_rss_mib"] as? Double else {
        fail("llama.cpp run failed (status \(status)): \(out)")
    }
    return (Measurement(promptSeconds: prompt, ttftSeconds: ttft, decodeSeconds: decode, peakRSSMiB: rss), json["version"] as? String ?? "?")
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

let options = Options(CommandLine.arguments)
guard let modelPath = GGUFLocator.find(explicitPath: options.model) else {
    fail("model not found: run assistd model install, set ASSISTD_GGUF, or pass --model")
}
if options.kernels {
    try KernelTable.run(path: modelPath, threads: options.threads, batch: options.batch, iterations: 4 * options.runs + 1)
    exit(0)
}
let model = try LlamaModel.load(path: modelPath, threads: options.threads, contextLength: 2048)
let paragraph = "The history of navigation is a story of instruments and patience. Sailors read the stars, the swell and the colour of the water; later came the compass, the chronometer and radio beacons. "
var longPrompt = model.tokenizer.encode(String(repeating: paragraph, count: 20))
longPrompt = Array(longPrompt.prefix(options.promptTokens))
let chatPrompt = model.tokenizer.encode(
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nWrite a short paragraph about the history of navigation at sea.<|im_end|>\n<|im_start|>assistant\n",
    parseSpecial: true)

var python = options.python
if options.install { python = try installLlamaCpp(venv: options.venv) }
if python == nil && !options.skipLlamaCpp {
    let candidate = options.venv + "/bin/python"
    if FileManager.default.isExecutableFile(atPath: candidate) { python = candidate }
}
if options.skipLlamaCpp { python = nil }
let dir = NSTemporaryDirectory() + "inference-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
let scriptPath = dir + "/llama_cpp_bench.py"
let specPath = dir + "/spec.json"
try llamaCppScript.write(toFile: scriptPath, atomically: true, encoding: .utf8)
let spec: [String: Any] = ["model": modelPath, "context": 2048, "threads": options.threads, "decode_tokens": options.decodeTokens,
                           "long_prompt": longPrompt.map(Int.init), "chat_prompt": chatPrompt.map(Int.init)]
try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: specPath))

print("model: \(modelPath)")
print("threads: \(options.threads), runs: \(options.runs) (interleaved), prompt: \(longPrompt.count) tokens, chat prompt: \(chatPrompt.count) tokens, decode: \(options.decodeTokens) tokens")
if python == nil { print("llama.cpp: not measured (pass --python PATH with llama_cpp installed, or --install-llama-cpp)") }

var engine: [Measurement] = []
var reference: [Measurement] = []
var referenceVersion = ""
var toolCallRates: [Double] = []
_ = try measureEngine(model, longPrompt: Array(longPrompt.prefix(64)), chatPrompt: chatPrompt, decodeTokens: 8)  // warm-up: pages in the weights
for i in 0..<options.runs {
    engine.append(try measureEngine(model, longPrompt: longPrompt, chatPrompt: chatPrompt, decodeTokens: options.decodeTokens))
    if let python {
        let (m, v) = try measureLlamaCpp(python: python, script: scriptPath, spec: specPath)
        reference.append(m)
        referenceVersion = v
    }
    if options.toolCallSamples > 0 {
        let (tokens, seconds) = try ToolCallDecode.measure(model, samples: options.toolCallSamples)
        toolCallRates.append(Double(tokens) / seconds)
    }
    FileHandle.standardError.write(Data("run \(i + 1)/\(options.runs) done\n".utf8))
}

func row(_ name: String, _ unit: String, _ a: Double, _ b: Double?, higherIsBetter: Bool) {
    let ratio = b.map { higherIsBetter ? a / $0 : $0 / a }
    let bText = b.map { String(format: "%10.1f", $0) } ?? String(repeating: " ", count: 9) + "–"
    let rText = ratio.map { String(format: "%6.2fx", $0) } ?? "     –"
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    print(pad(name, 22) + " " + pad(unit, 6) + String(format: " %10.1f ", a) + bText + "  " + rText)
}

let promptTokens = Double(longPrompt.count), decodeTokens = Double(options.decodeTokens)
let e = (pp: median(engine.map { promptTokens / $0.promptSeconds }), dec: median(engine.map { decodeTokens / $0.decodeSeconds }),
         ttft: median(engine.map { $0.ttftSeconds * 1000 }), rss: engine.map(\.peakRSSMiB).max() ?? .nan)
let r = reference.isEmpty ? nil : (pp: median(reference.map { promptTokens / $0.promptSeconds }), dec: median(reference.map { decodeTokens / $0.decodeSeconds }),
                                    ttft: median(reference.map { $0.ttftSeconds * 1000 }), rss: reference.map(\.peakRSSMiB).max() ?? .nan)
print("")
print("metric                 unit      assistd  llama.cpp    ratio (>1 = assistd better)")
row("decode", "tok/s", e.dec, r?.dec, higherIsBetter: true)
row("prompt (\(longPrompt.count) tokens)", "tok/s", e.pp, r?.pp, higherIsBetter: true)
row("time to first token", "ms", e.ttft, r?.ttft, higherIsBetter: false)
if !toolCallRates.isEmpty { row("tool-call decode", "tok/s", median(toolCallRates), nil, higherIsBetter: true) }
row("peak RSS", "MiB", e.rss, r?.rss, higherIsBetter: false)
if !referenceVersion.isEmpty { print("llama.cpp via llama-cpp-python \(referenceVersion); its RSS includes the Python interpreter and numpy") }
print("runs (decode tok/s): assistd " + engine.map { String(format: "%.1f", decodeTokens / $0.decodeSeconds) }.joined(separator: " ")
      + (reference.isEmpty ? "" : " | llama.cpp " + reference.map { String(format: "%.1f", decodeTokens / $0.decodeSeconds) }.joined(separator: " ")))
if !toolCallRates.isEmpty { print("runs (tool-call decode tok/s): " + toolCallRates.map { String(format: "%.1f", $0) }.joined(separator: " ")) }
try? FileManager.default.removeItem(atPath: dir)
if options.json {
    // One line for scripts (Sources/Benchmarks/compare-llama-cpp.py): assistd's medians and the token ids it used.
    let summary: [String: Any] = ["decode_tok_s": e.dec, "prompt_tok_s": e.pp, "ttft_ms": e.ttft, "peak_rss_mib": e.rss,
                                  "prompt_cpu_s": median(engine.map(\.promptCPUSeconds)), "ttft_cpu_s": median(engine.map(\.ttftCPUSeconds)),
                                  "decode_cpu_s": median(engine.map(\.decodeCPUSeconds)),
                                  "decode_tokens": options.decodeTokens, "long_prompt": longPrompt.map(Int.init), "chat_prompt": chatPrompt.map(Int.init)]
    print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
}
