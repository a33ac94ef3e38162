// RunBenchmark: streamed runs through a real assistd binary, with the scripted TEST model at
// zero latency. Prints runs per second from runs/create to the `completed` run, with 1 and 64
// concurrent threads, and the time from the model handing over a text chunk to its
// `thread.message.delta` notification arriving here (median, p99).
//
// usage: RunBenchmark PATH_TO_ASSISTD [--runs N] [--chunks K] [--runs-per-thread R]
//
// The latency uses the scripted model's `timestamp_chunks` option: each chunk starts with
// `@<CLOCK_REALTIME µs>;`, and this client subtracts it from CLOCK_REALTIME when the bytes come
// off the pipe (before parsing), so both ends read one clock. It includes the pipe hop.
import AssistdSupport
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

/// assistd over pipes, NDJSON framing. Requests may be sent from many threads; responses are
/// handed to their waiters by id.
final class Daemon: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let condition = NSCondition()
    private var responses: [Int64: JSONValue] = [:]
    private var latencies: [Int64] = []
    private var nextID: Int64 = 0
    private let writeLock = NSLock()

    init(binary: String, script: String) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--ephemeral", "--framing", "ndjson", "--model", "scripted:\(script)", "--log-level", "error"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let fd = output.fileHandleForReading.fileDescriptor
        Thread.detachNewThread { [self] in read(fd) }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    private func read(_ fd: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            let arrived = realtimeMicroseconds()
            pending += buffer[0..<count]
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                handle(Array(pending[start..<newline]), arrived: arrived)
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    private func handle(_ line: [UInt8], arrived: Int64) {
        guard let message = try? JSONValue.parse(line) else { return }
        if message["method"] == "runs/event" {
            guard message["params"]?["event"] == "thread.message.delta",
                let text = message["params"]?["data"]?["delta"]?["content"]?.arrayValue?.first?["text"]?["value"]?.stringValue,
                text.hasPrefix("@"), let end = text.firstIndex(of: ";"), let sent = Int64(text[text.index(after: text.startIndex)..<end])
            else { return }
            condition.lock()
            latencies.append(arrived - sent)
            condition.unlock()
        } else if let id = message["id"]?.intValue, message["method"] == nil {
            condition.lock()
            responses[id] = message
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Sends a request and waits for its response.
    func call(_ method: String, _ params: JSONValue) -> JSONValue {
        condition.lock()
        nextID += 1
        let id = nextID
        condition.unlock()
        let line = JSONValue.object(["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": params]).serialized() + [10]
        writeLock.lock()
        input.fileHandleForWriting.write(Data(line))
        writeLock.unlock()
        condition.lock()
        defer { condition.unlock() }
        while responses[id] == nil { condition.wait() }
        return responses.removeValue(forKey: id)!
    }

    func takeLatencies() -> [Int64] {
        condition.lock()
        defer { condition.unlock() }
        defer { latencies = [] }
        return latencies
    }
}

func result(_ reply: JSONValue, _ what: String) -> JSONValue {
    guard let result = reply["result"] else {
        FileHandle.standardError.write(Data("RunBenchmark: \(what) failed: \(reply.serializedString())\n".utf8))
        exit(1)
    }
    return result
}

/// `runs` streamed runs by `concurrency` clients at once; each client runs on its own threads
/// one run after another, `runsPerThread` runs per thread (threads are made beforehand, so a
/// thread's history, which every turn reads whole, stays short).
func measure(_ daemon: Daemon, assistant: String, concurrency: Int, runs: Int, runsPerThread: Int) -> (runsPerSecond: Double, latencies: [Int64]) {
    let perClient = runs / concurrency
    let threadsPerClient = (perClient + runsPerThread - 1) / runsPerThread
    let threadIDs = (0..<concurrency).map { _ in
        (0..<threadsPerClient).map { _ in
            result(daemon.call("threads/create", ["messages": [["role": "user", "content": "benchmark"]]]), "threads/create")["id"]!
        }
    }
    _ = daemon.takeLatencies()
    let failures = Locked(0)
    let group = DispatchGroup()
    let started = DispatchTime.now().uptimeNanoseconds
    for threads in threadIDs {
        group.enter()
        Thread.detachNewThread {
            for index in 0..<perClient {
                let thread = threads[index / runsPerThread]
                let run = daemon.call("runs/create", ["thread_id": thread, "assistant_id": .string(assistant), "stream": true])
                if run["result"]?["status"] != "completed" { failures.withLock { $0 += 1 } }
            }
            group.leave()
        }
    }
    group.wait()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    if failures.withLock({ $0 }) > 0 {
        FileHandle.standardError.write(Data("RunBenchmark: \(failures.withLock { $0 }) runs did not complete\n".utf8))
        exit(1)
    }
    return (Double(perClient * concurrency) / seconds, daemon.takeLatencies())
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

let daemon = try Daemon(binary: options.binary, script: scriptPath)
_ = result(daemon.call("initialize", ["clientInfo": ["name": "RunBenchmark"]]), "initialize")
let assistant = result(daemon.call("assistants/create", ["model": "scripted", "name": "benchmark"]), "assistants/create")["id"]!.stringValue!

// Warm up (first SQLite pages, first tasks), then measure.
_ = measure(daemon, assistant: assistant, concurrency: 4, runs: 64, runsPerThread: options.runsPerThread)
print("assistd run benchmark — scripted TEST model, zero model latency, streamed runs, \(options.chunks) text chunks a run, \(options.runsPerThread) runs per thread")
print("binary: \(options.binary)")
print("")
print("concurrent   runs   runs/s   chunk→delta median µs   p99 µs   samples")
for threads in [1, 64] {
    let (rate, latencies) = measure(
        daemon, assistant: assistant, concurrency: threads, runs: options.runs - options.runs % threads, runsPerThread: options.runsPerThread)
    let sorted = latencies.sorted()
    let line = String(
        format: "%10d %6d %8.0f %23lld %8lld %9d", threads, options.runs - options.runs % threads, rate,
        percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.count)
    print(line)
}
daemon.stop()
