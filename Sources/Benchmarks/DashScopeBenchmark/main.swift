// DashScopeBenchmark: assistd (the binary, driven over pipes with JSON-RPC) and its dashscope
// backend (in-process) side by side with the official Python SDK and a bare HTTP client,
// against the same FAKE DashScope server (Tests/Fakes/fake_dashscope_server.py), in one run.
// Prints per-call latency of threads/retrieve and the event rate of a 100,000-delta streamed
// run, with ratios.
//
//   swift build -c release && .build/release/DashScopeBenchmark [--calls 1000] [--deltas 100000] [--assistd PATH]
//
// Needs python3 with `pip install dashscope==2.0.2`. The fake runs on this machine, so the
// numbers compare client-side costs (HTTP stack, parsing, decoding, for assistd also the
// JSON-RPC hop over pipes), not the network.
import AssistantAPI
import AssistdClient
import DashScope
import Foundation
import JSONCore
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else {
        return fallback
    }
    return value
}
let calls = option("--calls", 1000)
let deltas = option("--deltas", 100_000)

// MARK: the fake server

let server = try FakeDashScopeServer()
defer { server.stop() }
let apiKey = FakeDashScopeServer.apiKey
let port = server.port

func python(_ mode: String, thread: String, assistant: String = "", n: Int = 0) throws -> JSONValue {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", RepositoryPaths.fakes.appendingPathComponent("sdk_benchmark_client.py").path, "--port", String(port),
        "--api-key", apiKey, "--mode", mode, "--thread-id", thread, "--assistant-id", assistant, "--n", String(n),
    ]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("\(mode) failed (is the SDK installed? pip install dashscope==2.0.2)") }
    return try JSONValue.parse(data)
}

struct Stats {
    var median: Double
    var p99: Double
    var mean: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        median = sorted[sorted.count / 2]
        p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        mean = values.reduce(0, +) / Double(values.count)
    }

    var text: String { String(format: "median %7.3f ms   p99 %7.3f ms   mean %7.3f ms", median, p99, mean) }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

// MARK: setup

let backend = DashScopeBackend(configuration: DashScopeConfiguration(apiKey: APIKey(apiKey), baseURL: "http://127.0.0.1:\(port)/api/v1"))
let assistant = try await backend.createAssistant(CreateAssistantParams(["model": "qwen-max"]))
let thread = try await backend.createThread(CreateThreadParams(nil))
let clock = ContinuousClock()
print("DashScopeBenchmark: \(calls) threads/retrieve calls, a \(deltas)-delta streamed run; fake DashScope on 127.0.0.1:\(port)")

// MARK: threads/retrieve latency

for _ in 0..<50 { _ = try await backend.retrieveThread(id: thread.id) }  // warm up
var ours: [Double] = []
for _ in 0..<calls {
    let start = clock.now
    let retrieved = try await backend.retrieveThread(id: thread.id)
    ours.append(milliseconds(clock.now - start))
    precondition(retrieved.id == thread.id)
}
/// `--assistd PATH`, else `assistd` next to this executable (SwiftPM builds both into one directory).
func locateAssistd() -> String? {
    let arguments = CommandLine.arguments
    if let index = arguments.firstIndex(of: "--assistd"), index + 1 < arguments.count { return arguments[index + 1] }
    let sibling = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent().appendingPathComponent("assistd").path
    return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : nil
}

// The binary over pipes with NDJSON, as an editor or a script would drive it, on the project's own client.
guard let assistdPath = locateAssistd() else {
    fatalError("assistd not found next to this benchmark; build it (swift build -c release) or pass --assistd PATH")
}
let streamEvents = EventTally()
var childEnvironment = ProcessInfo.processInfo.environment
childEnvironment["DASHSCOPE_API_KEY"] = apiKey
let child = try ChildAssistd(
    executable: assistdPath, arguments: ["--backend", "dashscope", "--base-url", server.baseURL, "--framing", "ndjson", "--log-level", "warning"],
    environment: childEnvironment)
let assistd = child.client(framing: .ndjson, onEvent: { _ in streamEvents.count() })
let info = try await assistd.initialize(clientName: "DashScopeBenchmark")
precondition(info["backend"]?["name"] == "dashscope", "initialize: \(info)")
let retrieveParams: JSONValue = ["thread_id": .string(thread.id)]
for _ in 0..<50 { _ = try await assistd.request("threads/retrieve", retrieveParams) }  // warm up
var throughAssistd: [Double] = []
for _ in 0..<calls {
    let start = clock.now
    let retrieved = try await assistd.request("threads/retrieve", retrieveParams)
    throughAssistd.append(milliseconds(clock.now - start))
    precondition(retrieved["id"]?.stringValue == thread.id, "threads/retrieve answered \(retrieved)")
}
let sdkLatencies = try python("retrieve-sdk", thread: thread.id, n: calls)["latencies_ms"]?.arrayValue?.compactMap(\.doubleValue) ?? []
let bareLatencies = try python("retrieve-bare", thread: thread.id, n: calls)["latencies_ms"]?.arrayValue?.compactMap(\.doubleValue) ?? []
let assistdStats = Stats(throughAssistd)
let backendStats = Stats(ours)
let sdkStats = Stats(sdkLatencies)
let bareStats = Stats(bareLatencies)
print("\nthreads/retrieve, per call (\(calls) calls each):")
print("  assistd binary (JSON-RPC over pipes)  \(assistdStats.text)")
print("  DashScopeBackend in-process           \(backendStats.text)")
print("  official Python SDK 2.0.2             \(sdkStats.text)")
print("  bare HTTP (http.client, keep-alive)   \(bareStats.text)")
print(String(format: "  ratio SDK / assistd binary (median)          %.2fx", sdkStats.median / assistdStats.median))
print(String(format: "  ratio bare HTTP / assistd binary (median)    %.2fx", bareStats.median / assistdStats.median))
print(String(format: "  ratio assistd binary / in-process (median)   %.2fx  (the cost of the JSON-RPC hop)", assistdStats.median / backendStats.median))

// MARK: streamed run throughput

try server.knobs(["stream_deltas": .int(Int64(deltas)), "flush_every": 256])
func streamOnce() async throws -> (events: Int, firstToLast: Double, total: Double) {
    let streamThread = try await backend.createThread(CreateThreadParams(["messages": [["role": "user", "content": "go"]]]))
    let start = clock.now
    var first: ContinuousClock.Instant?
    var count = 0
    for try await event in try await backend.streamRun(CreateRunParams([
        "thread_id": .string(streamThread.id), "assistant_id": .string(assistant.id), "stream": true,
    ])).events {
        if first == nil { first = clock.now }
        if event.event != "done" { count += 1 }
    }
    let end = clock.now
    return (count, milliseconds(end - first!) / 1000, milliseconds(end - start) / 1000)
}
@MainActor func streamThroughAssistd() async throws -> (events: Int, firstToLast: Double, total: Double) {
    let streamThread = try await backend.createThread(CreateThreadParams(["messages": [["role": "user", "content": "go"]]]))
    streamEvents.reset()
    let start = clock.now
    let run = try await assistd.request("runs/create", [
        "thread_id": .string(streamThread.id), "assistant_id": .string(assistant.id), "stream": true,
    ])
    let end = clock.now
    precondition(run["status"] == "completed", "the streamed run failed: \(run)")
    let (count, first) = streamEvents.read()
    return (count - 1, milliseconds(end - first!) / 1000, milliseconds(end - start) / 1000)  // less `done`
}
let mine = try await streamOnce()
let piped = try await streamThroughAssistd()
let sdkThread = try await backend.createThread(CreateThreadParams(["messages": [["role": "user", "content": "go"]]]))
let sdkStream = try python("stream-sdk", thread: sdkThread.id, assistant: assistant.id)
let sdkEvents = Double(sdkStream["events"]?.intValue ?? 0)
let sdkFirstToLast = sdkStream["first_to_last_s"]?.doubleValue ?? 0
let sdkTotal = sdkStream["total_s"]?.doubleValue ?? 0
let oursRate = Double(mine.events) / mine.firstToLast
let pipedRate = Double(piped.events) / piped.firstToLast
let sdkRate = sdkEvents / sdkFirstToLast
print("\nstreamed run, \(deltas) deltas (events per second from the first event to the last; total includes the fake building the stream):")
print(String(format: "  assistd binary (runs/event over pipes)  %8d events  %10.0f events/s   total %.2f s", piped.events, pipedRate, piped.total))
print(String(format: "  DashScopeBackend in-process             %8d events  %10.0f events/s   total %.2f s", mine.events, oursRate, mine.total))
print(String(format: "  official Python SDK 2.0.2 (iterating)   %8.0f events  %10.0f events/s   total %.2f s", sdkEvents, sdkRate, sdkTotal))
print(String(format: "  ratio assistd binary / SDK          %.2fx", pipedRate / sdkRate))
print(String(format: "  ratio in-process backend / SDK      %.2fx", oursRate / sdkRate))
await assistd.shutdown()
_ = child.finish()
await backend.shutdown()
