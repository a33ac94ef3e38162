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
    /// a bare keep-alive GET of the same thread (Python's http.client), in µs.
    private func retrieveRound(count: Int, record: Bool) {
        var latencies: [Double] = []
        for _ in 0..<count {
            let started = monotonicSeconds()
            let retrieved = retrieving.request("threads/retrieve", ["thread_id": thread])
            latencies.append((monotonicSeconds() - started) * 1e6)
            precondition(retrieved["id"] == thread)
        }
        let sdkLatencies = sdk.command(["op": "retrieve-sdk", "thread_id": thread, "n": .int(Int64(count))])
        let bareLatencies = sdk.command(["op": "retrieve-bare", "thread_id": thread, "n": .int(Int64(count))])
        guard record else { return }
        samples.add("retrieve.assistd", latencies)
        samples.add("retrieve.sdk", sdkLatencies["latencies_us"]?.arrayValue?.compactMap(\.doubleValue) ?? [])
        samples.add("retrieve.bare", bareLatencies["latencies_us"]?.arrayValue?.compactMap(\.doubleValue) ?? [])
    }

    /// Rows 4, 5: spawn → `initialize`'s response, then RSS once idle (100 ms later); beside the
    /// Python interpreter importing the SDK. The local backend's start (`--backend local --ephemeral`:
    /// the environment holds the fake service's key, which alone would choose the hosted backend) is shown too.
    private func startupRound() throws {
        for _ in 0..<options.spawnsPerRound {
            for (name, arguments) in [("hosted", self.arguments), ("local", ["--backend", "local", "--ephemeral"])] {
                let started = monotonicSeconds()
                let assistd = try AssistdPipe(binary: options.assistd, arguments: arguments, environment: environment)
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
        retrieving.finish()
        sdk.finish()
        fake.stop()
    }
}
