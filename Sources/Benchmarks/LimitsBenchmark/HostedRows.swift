import Foundation
import JSONCore
import TestSupport

/// Rows 1–6: assistd on the hosted backend against the FAKE service, beside the official SDK
/// (and the floors: the raw HTTP body, a bare keep-alive GET, the Python interpreter importing
/// the SDK), one repetition of each per round.
final class HostedRows {
    let options: Options
    let fake: FakeDashScopeServer
    let sdk: SDKHelper
    let python: String
    let samples: Samples
    private let environment: [String: String]
    private let retrieving: AssistdPipe
    /// `--baseline`'s assistd, retrieving the same thread request for request beside `retrieving`.
    private let baselineRetrieving: AssistdPipe?
    private let assistant: JSONValue
    private let thread: JSONValue

    var arguments: [String] { ["--backend", "dashscope", "--base-url", fake.baseURL, "--ephemeral"] }

    init(options: Options, python: String, samples: Samples) throws {
        self.options = options
        self.python = python
        self.samples = samples
        fake = try FakeDashScopeServer()
        try fake.knobs(["stream_deltas": .int(Int64(options.deltas)), "flush_every": 256])
        var environment = ProcessInfo.processInfo.environment
        environment["DASHSCOPE_API_KEY"] = FakeDashScopeServer.apiKey
        self.environment = environment
        sdk = try SDKHelper(python: python, port: fake.port, apiKey: FakeDashScopeServer.apiKey)
        retrieving = try AssistdPipe(binary: options.assistd, arguments: ["--backend", "dashscope", "--base-url", fake.baseURL, "--ephemeral"], environment: environment)
        _ = retrieving.request("initialize", ["clientInfo": ["name": "LimitsBenchmark"]])
        assistant = retrieving.request("assistants/create", ["model": "qwen-max", "name": "limits"])["id"]!
        thread = retrieving.request("threads/create")["id"]!
        let baseURL = fake.baseURL
        baselineRetrieving = try options.baseline.map {
            try AssistdPipe(binary: $0, arguments: ["--backend", "dashscope", "--base-url", baseURL, "--ephemeral"], environment: environment)
        }
        _ = baselineRetrieving?.request("initialize", ["clientInfo": ["name": "LimitsBenchmark"]])
        if options.rows.contains(.retrieve) { retrieveRound(count: 50, record: false) }  // warm up: connections, first allocations
    }

    func round() throws {
        if options.rows.contains(.stream) { try streamRound() }
        if options.rows.contains(.retrieve) { retrieveRound(count: options.retrievesPerRound, record: true) }
        if options.rows.contains(.startup) { try startupRound() }
    }

    /// Rows 1, 2, 6: one 100,000-delta run each (a fresh assistd, so its peak RSS is this stream's).
    private func streamRound() throws {
        let assistd = try AssistdPipe(binary: options.assistd, arguments: arguments, environment: environment)
        _ = assistd.request("initialize", ["clientInfo": ["name": "LimitsBenchmark"]])
        let streamThread = assistd.request("threads/create", ["messages": [["role": "user", "content": "go"]]])["id"]!
        let idle = ProcFigures.memory(assistd.pid, "VmRSS")
        let cpuBefore = ProcFigures.cpuSeconds(assistd.pid)
        let (frames, seconds, run) = assistd.countFrames(
            "runs/create", ["thread_id": streamThread, "assistant_id": assistant, "stream": true])
        let cpu = ProcFigures.cpuSeconds(assistd.pid) - cpuBefore
        precondition(run["status"] == "completed", "the streamed run ended \(run["status"] ?? "without a status")")
        precondition(frames > options.deltas, "the stream had \(frames) events")
        samples.add("stream.assistd.rate", Double(frames) / seconds)
        samples.add("stream.assistd.cpu", cpu / Double(frames) * 1e6)
        samples.add("stream.assistd.peak", Double(ProcFigures.memory(assistd.pid, "VmHWM")))
        samples.add("stream.assistd.idle", Double(idle))
        assistd.finish()

        for (op, name) in [("stream-sdk", "sdk"), ("stream-raw", "raw")] {
            let answer = sdk.command(["op": .string(op), "assistant_id": assistant])
            let events = answer["events"]?.doubleValue ?? 0
            precondition(events > Double(options.deltas), "\(op) saw \(events) events")
            samples.add("stream.\(name).rate", events / (answer["first_to_last_s"]?.doubleValue ?? .nan))
            samples.add("stream.\(name).cpu", (answer["cpu_s"]?.doubleValue ?? .nan) / events * 1e6)
        }
    }

    /// Row 3: `threads/retrieve` one at a time through assistd, the SDK's `Threads.retrieve`, and
    /// a bare keep-alive GET of the same thread (Python's http.client), in µs. With `--baseline`,
    /// the other assistd retrieves too, alternating with this one request for request; beside
    /// each one's latencies, its CPU (all threads) and context switches per retrieve.
    private func retrieveRound(count: Int, record: Bool) {
        let sides = [("", retrieving)] + (baselineRetrieving.map { [("baseline.", $0)] } ?? [])
        var latencies = [String: [Double]]()
        let before = sides.map { (ProcFigures.liveThreadsCPUMilliseconds($0.1.pid), Self.contextSwitches($0.1.pid)) }
        for index in 0..<count {
            // The order alternates, so neither side always runs on a machine the other just warmed.
            for (prefix, assistd) in index % 2 == 0 ? sides : sides.reversed() {
                let started = monotonicSeconds()
                let retrieved = assistd.request("threads/retrieve", ["thread_id": thread])
                latencies[prefix, default: []].append((monotonicSeconds() - started) * 1e6)
                precondition(retrieved["id"] == thread)
            }
        }
        let sdkLatencies = sdk.command(["op": "retrieve-sdk", "thread_id": thread, "n": .int(Int64(count))])
        let bareLatencies = sdk.command(["op": "retrieve-bare", "thread_id": thread, "n": .int(Int64(count))])
        guard record else { return }
        for ((prefix, assistd), (cpu, switches)) in zip(sides, before) {
            samples.add(prefix + "retrieve.assistd", latencies[prefix] ?? [])
            samples.add(prefix + "retrieve.cpu", (ProcFigures.liveThreadsCPUMilliseconds(assistd.pid) - cpu) * 1000 / Double(count))
            samples.add(prefix + "retrieve.switches", Double(Self.contextSwitches(assistd.pid) - switches) / Double(count))
        }
        samples.add("retrieve.sdk", sdkLatencies["latencies_us"]?.arrayValue?.compactMap(\.doubleValue) ?? [])
        samples.add("retrieve.bare", bareLatencies["latencies_us"]?.arrayValue?.compactMap(\.doubleValue) ?? [])
    }

    /// Voluntary and involuntary context switches of the process's live threads.
    private static func contextSwitches(_ pid: pid_t) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.reduce(0) { total, task in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8)) ?? ""
            return total + text.split(separator: "\n").reduce(0) { sum, line in
                line.contains("ctxt_switches:") ? sum + (Int(line.filter(\.isNumber)) ?? 0) : sum
            }
        }
    }

    /// The retrieve row's A/B (`--baseline`), and each side's CPU and switches per retrieve.
    private func printRetrieveComparison() {
        guard options.rows.contains(.retrieve), samples.count("retrieve.assistd") > 0 else { return }
        let bare = samples.median("retrieve.bare")
        func line(_ name: String, _ prefix: String) -> String {
            String(
                format: "  %@: p50 %.0f us (bare GET %+.0f us), CPU %.1f us and %.2f context switches a retrieve", name,
                samples.median(prefix + "retrieve.assistd"), samples.median(prefix + "retrieve.assistd") - bare,
                samples.median(prefix + "retrieve.cpu"), samples.median(prefix + "retrieve.switches"))
        }
        say("\nthreads/retrieve, medians over rounds (bare keep-alive GET p50 \(String(format: "%.0f", bare)) us):")
        say(line("this", ""))
        if options.baseline != nil { say(line("baseline", "baseline.")) }
    }

    /// Rows 4, 5: spawn → `initialize`'s response, then RSS once idle (100 ms later), started as a
    /// user's editor starts it (default log level: its start-up lines are part of its cost); beside the
    /// Python interpreter importing the SDK. The local backend's start (`--backend local --ephemeral`:
    /// the environment holds the fake service's key, which alone would choose the hosted backend) is shown too.
    private func startupRound() throws {
        for _ in 0..<options.spawnsPerRound {
            for (name, arguments) in [("hosted", self.arguments), ("local", ["--backend", "local", "--ephemeral"])] {
                let started = monotonicSeconds()
                let assistd = try AssistdPipe(
                    binary: options.assistd, arguments: arguments, environment: environment, asUsersStartIt: true)
                _ = assistd.request("initialize", ["clientInfo": ["name": "LimitsBenchmark"]])
                samples.add("startup.\(name)", (monotonicSeconds() - started) * 1000)
                usleep(100_000)
                samples.add("rss.\(name)", Double(ProcFigures.memory(assistd.pid, "VmRSS")))
                samples.add("startup.\(name).cpu", ProcFigures.liveThreadsCPUMilliseconds(assistd.pid))
                assistd.finish()
            }
            let started = monotonicSeconds()
            let importing = try SpawnedProcess(python, [
                "-c", "import dashscope, sys; sys.stdout.write('ready\\n'); sys.stdout.flush(); sys.stdin.read()",
            ])
            guard importing.nextLine() != nil else { fatalError("python could not import dashscope") }
            samples.add("startup.sdk", (monotonicSeconds() - started) * 1000)
            usleep(100_000)
            samples.add("rss.sdk", Double(ProcFigures.memory(importing.pid, "VmRSS")))
            importing.finish()
        }
    }

    func finish() {
        printRetrieveComparison()
        retrieving.finish()
        baselineRetrieving?.finish()
        sdk.finish()
        fake.stop()
    }
}
