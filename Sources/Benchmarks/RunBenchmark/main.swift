// RunBenchmark: streamed runs through a real assistd binary, with the scripted TEST model at
// zero latency. Prints runs per second from runs/create to the `completed` run, with 1 and 64
// concurrent threads, and the time from the model handing over a text chunk to its
// `thread.message.delta` notification arriving here (median, p99).
//
// usage: RunBenchmark PATH_TO_ASSISTD [--runs N] [--chunks K] [--runs-per-thread R]
//
// The latency uses the scripted model's `timestamp_chunks` option: each chunk starts with
// `@<CLOCK_REALTIME µs>;`, and this client subtracts it from CLOCK_REALTIME when the client hands
// over the notification, so both ends read one clock. It includes the pipe hop and the client's
// parsing of that one message.
import AssistdClient
import Foundation
import JSONCore

struct Options {
    var binary = ""
    var runs = 2000
    var chunks = 8
    var runsPerThread = 8

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--runs": options.runs = Int(rest.popFirst() ?? "") ?? options.runs
            case "--chunks": options.chunks = Int(rest.popFirst() ?? "") ?? options.chunks
            case "--runs-per-thread": options.runsPerThread = max(1, Int(rest.popFirst() ?? "") ?? options.runsPerThread)
            case let flag where flag.hasPrefix("-"): options.binary = ""; rest.removeAll()
            default: options.binary = argument
            }
        }
        if options.binary.isEmpty || !FileManager.default.isExecutableFile(atPath: options.binary) {
            FileHandle.standardError.write(Data("usage: RunBenchmark PATH_TO_ASSISTD [--runs N] [--chunks K] [--runs-per-thread R]\n".utf8))
            exit(2)
        }
        return options
    }
}

func realtimeMicroseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
}

/// The chunk→delta latencies seen since the last `take`.
final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [Int64] = []

    /// Files a `runs/event` notification's latency if it is a timestamped text delta.
    func note(_ event: JSONValue) {
        let arrived = realtimeMicroseconds()
        guard event["event"] == "thread.message.delta",
            let text = event["data"]?["delta"]?["content"]?.arrayValue?.first?["text"]?["value"]?.stringValue,
            text.hasPrefix("@"), let end = text.firstIndex(of: ";"), let sent = Int64(text[text.index(after: text.startIndex)..<end])
        else { return }
        lock.withLock { latencies.append(arrived - sent) }
    }

    func take() -> [Int64] {
        lock.withLock {
            defer { latencies = [] }
            return latencies
        }
    }
}

/// The result of a request that must succeed.
func call(_ client: ProtocolClient, _ method: String, _ params: JSONValue) async -> JSONValue {
    do {
        return try await client.request(method, params)
    } catch {
        FileHandle.standardError.write(Data("RunBenchmark: \(method) failed: \(error)\n".utf8))
        exit(1)
    }
}

/// `runs` streamed runs by `concurrency` clients at once; each client runs on its own threads
/// one run after another, `runsPerThread` runs per thread (threads are made beforehand, so a
/// thread's history, which every turn reads whole, stays short).
func measure(
    _ client: ProtocolClient, _ latencies: LatencyLog, assistant: String, concurrency: Int, runs: Int, runsPerThread: Int
) async -> (runsPerSecond: Double, latencies: [Int64]) {
    let perClient = runs / concurrency
    let threadsPerClient = (perClient + runsPerThread - 1) / runsPerThread
    var threadIDs: [[JSONValue]] = []
    for _ in 0..<concurrency {
        var threads: [JSONValue] = []
        for _ in 0..<threadsPerClient {
            threads.append(await call(client, "threads/create", ["messages": [["role": "user", "content": "benchmark"]]])["id"]!)
        }
        threadIDs.append(threads)
    }
    _ = latencies.take()
    let started = DispatchTime.now().uptimeNanoseconds
    let failures = await withTaskGroup(of: Int.self) { group in
        for threads in threadIDs {
            group.addTask {
                var failed = 0
                for index in 0..<perClient {
                    let thread = threads[index / runsPerThread]
                    let run = await call(client, "runs/create", ["thread_id": thread, "assistant_id": .string(assistant), "stream": true])
                    if run["status"] != "completed" { failed += 1 }
                }
                return failed
            }
        }
        return await group.reduce(0, +)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    if failures > 0 {
        FileHandle.standardError.write(Data("RunBenchmark: \(failures) runs did not complete\n".utf8))
        exit(1)
    }
    return (Double(perClient * concurrency) / seconds, latencies.take())
}

func percentile(_ sorted: [Int64], _ fraction: Double) -> Int64 {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}

let options = Options.parse(CommandLine.arguments)
let scriptPath = (NSTemporaryDirectory() as NSString).appendingPathComponent("run-benchmark-\(getpid()).json")
let script: JSONValue = ["turns": [[
    "text": .string(String(repeating: "benchmark text ", count: options.chunks)), "chunks": .int(Int64(options.chunks)),
    "timestamp_chunks": true,
]]]
try Data(script.serialized()).write(to: URL(fileURLWithPath: scriptPath))
defer { try? FileManager.default.removeItem(atPath: scriptPath) }

let latencies = LatencyLog()
let child = try ChildAssistd(
    executable: options.binary,
    arguments: ["--ephemeral", "--framing", "ndjson", "--model", "scripted:\(scriptPath)", "--log-level", "error"])
let client = child.client(framing: .ndjson, onEvent: latencies.note)
_ = await call(client, "initialize", ["clientInfo": ["name": "RunBenchmark"]])
let assistant = await call(client, "assistants/create", ["model": "scripted", "name": "benchmark"])["id"]!.stringValue!

// Warm up (first SQLite pages, first tasks), then measure.
_ = await measure(client, latencies, assistant: assistant, concurrency: 4, runs: 64, runsPerThread: options.runsPerThread)
print("assistd run benchmark — scripted TEST model, zero model latency, streamed runs, \(options.chunks) text chunks a run, \(options.runsPerThread) runs per thread")
print("binary: \(options.binary)")
print("")
print("concurrent   runs   runs/s   chunk→delta median µs   p99 µs   samples")
for threads in [1, 64] {
    let (rate, measured) = await measure(
        client, latencies, assistant: assistant, concurrency: threads, runs: options.runs - options.runs % threads,
        runsPerThread: options.runsPerThread)
    let sorted = measured.sorted()
    let line = String(
        format: "%10d %6d %8.0f %23lld %8lld %9d", threads, options.runs - options.runs % threads, rate,
        percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.count)
    print(line)
}
await client.shutdown()
_ = child.finish()
