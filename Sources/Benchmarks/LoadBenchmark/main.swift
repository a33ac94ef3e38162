// LoadBenchmark: many concurrent streamed runs through real assistd binaries, with the scripted
// TEST model at zero latency. Two scenarios:
//   1. --runs N (default 10,000) streamed runs at once over one connection;
//   2. --connections C × --runs-per-connection R (default 100 × 100): C assistd processes, each
//      with R runs at once.
// Prints runs completed, events lost or out of order (by `seq`: must be 0), the model-chunk →
// delta latency (p50/p99), peak RSS, CPU per run, bytes per in-flight run, and the latency of a
// `threads/retrieve` sent every 50 ms during the load (reads never queue behind events).
//
// --hosted: the same two scenarios on the hosted backend (`--backend dashscope`) against the FAKE
// DashScope service (Tests/Fakes/fake_dashscope_server.py, K deltas per answer), scaled to what the
// Python fake serves (defaults 1,000 runs; 10 × 100). No model-chunk timestamps there, so no
// delta latency; a threads/retrieve is one HTTP round trip to the fake, printed beside the bare
// fake's latency with no load.
//
// usage: LoadBenchmark PATH_TO_ASSISTD [--hosted] [--runs N] [--connections C] [--runs-per-connection R] [--chunks K]
import AssistdClient
import Foundation
import JSONCore
import TestSupport

struct Options {
    var binary = ""
    var hosted = false
    var runs = 10_000
    var connections = 100
    var runsPerConnection = 100
    var chunks = 8

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        if arguments.contains("--hosted") {
            options.hosted = true
            (options.runs, options.connections, options.chunks) = (1_000, 10, 12)
        }
        var rest = arguments.dropFirst().filter { $0 != "--hosted" }[...]
        func number(_ fallback: Int) -> Int { max(0, Int(rest.popFirst() ?? "") ?? fallback) }
        while let argument = rest.popFirst() {
            switch argument {
            case "--runs": options.runs = number(options.runs)
            case "--connections": options.connections = number(options.connections)
            case "--runs-per-connection": options.runsPerConnection = number(options.runsPerConnection)
            case "--chunks": options.chunks = max(1, number(options.chunks))
            case let flag where flag.hasPrefix("-"): options.binary = ""; rest.removeAll()
            default: options.binary = argument
            }
        }
        if options.binary.isEmpty || !FileManager.default.isExecutableFile(atPath: options.binary) {
            FileHandle.standardError.write(Data(
                "usage: LoadBenchmark PATH_TO_ASSISTD [--hosted] [--runs N] [--connections C] [--runs-per-connection R] [--chunks K]\n".utf8))
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

/// What the `runs/event` notifications of one connection showed.
final class EventLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var nextSeq: [JSONValue: Int64] = [:]
    private(set) var outOfOrder = 0
    private(set) var events = 0
    private var latencies: [Int64] = []

    func note(_ params: JSONValue) {
        let arrived = realtimeMicroseconds()
        guard let request = params["request"], let seq = params["seq"]?.intValue else { return }
        var latency: Int64?
        if params["event"] == "thread.message.delta",
            let text = params["data"]?["delta"]?["content"]?.arrayValue?.first?["text"]?["value"]?.stringValue,
            text.hasPrefix("@"), let end = text.firstIndex(of: ";"), let sent = Int64(text[text.index(after: text.startIndex)..<end])
        {
            latency = arrived - sent
        }
        lock.withLock {
            events += 1
            if nextSeq[request, default: 0] != seq { outOfOrder += 1 }
            nextSeq[request] = seq + 1
            if let latency { latencies.append(latency) }
        }
    }

    /// Events missing at the end of each stream: a stream must end with `done`.
    func sequences() -> [JSONValue: Int64] { lock.withLock { nextSeq } }
    func takeLatencies() -> [Int64] { lock.withLock { latencies } }
}

/// Resident memory of a process from /proc (bytes): VmHWM and VmRSS.
func memory(of pid: Int32, _ field: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return (Int(line.dropFirst(field.count + 1).filter(\.isNumber)) ?? 0) * 1024
    }
    return 0
}

/// CPU seconds (user + system) a process has used.
func cpuSeconds(of pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return 0 }
    let fields = text[text.index(after: close)...].split(separator: " ")
    // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
    let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
    return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
}

func percentile(_ sorted: [Int64], _ fraction: Double) -> Int64 {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}

/// One assistd and its client, ready to start runs.
struct Session {
    let child: ChildAssistd
    let client: ProtocolClient
    let ledger: EventLedger
    let assistant: JSONValue
    let probeThread: JSONValue

    static func start(binary: String, backend: Backend) async throws -> Session {
        let ledger = EventLedger()
        let child = try ChildAssistd(executable: binary, arguments: backend.arguments, environment: backend.environment)
        let client = child.client(framing: .ndjson, onEvent: ledger.note)
        _ = try await client.request("initialize", ["clientInfo": ["name": "LoadBenchmark"]])
        let assistant = try await client.request("assistants/create", ["model": .string(backend.model), "name": "load"])["id"]!
        let probeThread = try await client.request("threads/create", [:])["id"]!
        return Session(child: child, client: client, ledger: ledger, assistant: assistant, probeThread: probeThread)
    }

    var pid: Int32 { child.process.processIdentifier }

    /// `count` streamed runs at once; the number that completed.
    func runAll(_ count: Int) async -> Int {
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<count {
                group.addTask {
                    let run = try? await client.request("runs/createThreadAndRun", [
                        "assistant_id": assistant, "stream": true,
                        "thread": ["messages": [["role": "user", "content": "load"]]],
                    ])
                    return run?["status"] == "completed"
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    /// The events one completed streamed run sends (the hosted count depends on the fake's script).
    func eventsOfOneRun() async -> Int {
        let before = ledger.events
        _ = await runAll(1)
        return ledger.events - before
    }

    /// `threads/retrieve` latencies (µs), one every 50 ms until `stop` is set.
    func probe(until stop: Locked) async -> [Int64] {
        var latencies: [Int64] = []
        while !stop.value {
            let started = DispatchTime.now().uptimeNanoseconds
            if let method = ProcessInfo.processInfo.environment["PROBE_METHOD"] {
                _ = try? await client.request(method, nil)
            } else {
                _ = try? await client.request("threads/retrieve", ["thread_id": probeThread])
            }
            latencies.append(Int64(DispatchTime.now().uptimeNanoseconds - started) / 1000)
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return latencies
    }
}

final class Locked: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}

struct Figures {
    var runs = 0
    var completed = 0
    var events = 0
    var lost = 0
    var outOfOrder = 0
    var latencies: [Int64] = []
    var probes: [Int64] = []
    var peakRSS = 0
    var baselineRSS = 0
    var cpu = 0.0
    var seconds = 0.0

    func print(_ title: String, inFlight: Int, idleProbes: [Int64]? = nil) {
        let sorted = latencies.sorted()
        let probeSorted = probes.sorted()
        Swift.print("\n\(title)")
        Swift.print("  runs completed           \(completed) of \(runs) in \(String(format: "%.1f", seconds)) s")
        Swift.print("  events                   \(events); lost \(lost), out of order \(outOfOrder)")
        if !sorted.isEmpty {
            Swift.print("  chunk→delta latency      p50 \(percentile(sorted, 0.5) / 1000) ms, p99 \(percentile(sorted, 0.99) / 1000) ms")
        }
        Swift.print("  threads/retrieve latency p50 \(percentile(probeSorted, 0.5) / 1000) ms, max \((probeSorted.last ?? 0) / 1000) ms (\(probes.count) probes)")
        if let idle = idleProbes?.sorted() {
            Swift.print("    bare fake, no load     p50 \(milliseconds(percentile(idle, 0.5))) ms, max \(milliseconds(idle.last ?? 0)) ms (\(idle.count) GETs)")
        }
        Swift.print("  peak RSS                 \(peakRSS >> 20) MiB (baseline \(baselineRSS >> 20) MiB per process)")
        Swift.print("  bytes per in-flight run  \((peakRSS - baselineRSS) / max(1, inFlight))")
        Swift.print("  CPU per run              \(String(format: "%.2f", cpu / Double(max(1, runs)) * 1000)) ms")
    }
}

/// Runs `perSession` runs on each session at once, probing the first with threads/retrieve.
func measure(_ sessions: [Session], perSession: Int) async -> Figures {
    var figures = Figures()
    figures.runs = sessions.count * perSession
    figures.baselineRSS = sessions.map { memory(of: $0.pid, "VmRSS") }.max() ?? 0
    let cpuBefore = sessions.reduce(0) { $0 + cpuSeconds(of: $1.pid) }
    let stop = Locked()
    let started = DispatchTime.now().uptimeNanoseconds
    let probing = Task { await sessions[0].probe(until: stop) }
    figures.completed = await withTaskGroup(of: Int.self) { group in
        for session in sessions { group.addTask { await session.runAll(perSession) } }
        return await group.reduce(0, +)
    }
    figures.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    stop.set()
    figures.probes = await probing.value
    figures.cpu = sessions.reduce(0) { $0 + cpuSeconds(of: $1.pid) } - cpuBefore
    for session in sessions {
        figures.peakRSS = max(figures.peakRSS, memory(of: session.pid, "VmHWM"))
        figures.events += session.ledger.events
        figures.outOfOrder += session.ledger.outOfOrder
        figures.latencies += session.ledger.takeLatencies()
    }
    return figures
}

let options = Options.parse(CommandLine.arguments)
let hostedService = options.hosted ? try HostedService(deltas: options.chunks) : nil
let scriptPath = (NSTemporaryDirectory() as NSString).appendingPathComponent("load-benchmark-\(getpid()).json")
let script: JSONValue = ["turns": [[
    "text": .string(String(repeating: "load text ", count: options.chunks)), "chunks": .int(Int64(options.chunks)),
    "timestamp_chunks": true,
]]]
try Data(script.serialized()).write(to: URL(fileURLWithPath: scriptPath))
defer { try? FileManager.default.removeItem(atPath: scriptPath) }
let backend = hostedService?.backend ?? Backend.scripted(script: scriptPath)
// Events a completed local run streams with this script: thread.created, run created/queued/
// in_progress, step created/in_progress, message created/in_progress, the deltas, message completed,
// step completed, run step and run completed, done. The hosted one's count is measured (one run).
var eventsPerRun = 13 + options.chunks

if options.hosted {
    print("assistd load benchmark — hosted backend against the FAKE DashScope service, \(options.chunks) deltas an answer")
    print("(the fake is single-process Python; assistd keeps at most 256 connections for streams and 16 for calls to it)")
    let calibration = try await Session.start(binary: options.binary, backend: backend)
    eventsPerRun = await calibration.eventsOfOneRun()
    print("events per run (measured): \(eventsPerRun)")
    await calibration.client.shutdown()
    _ = calibration.child.finish()
} else {
    print("assistd load benchmark — scripted TEST model, zero model latency, \(options.chunks) text chunks a run")
}
print("binary: \(options.binary)")

if options.runs > 0 {
    let session = try await Session.start(binary: options.binary, backend: backend)
    let idleProbes = try await hostedService?.bareRetrieveLatencies(thread: session.probeThread, count: 50)
    _ = await session.runAll(16)  // warm up
    let warmEvents = session.ledger.events
    var figures = await measure([session], perSession: options.runs)
    figures.events -= warmEvents
    figures.lost = max(0, figures.completed * eventsPerRun - figures.events)
    figures.print("\(options.runs) concurrent streamed runs over one connection", inFlight: options.runs, idleProbes: idleProbes)
    await session.client.shutdown()
    _ = session.child.finish()
}

if options.connections > 0 && options.runsPerConnection > 0 {
    var sessions: [Session] = []
    for _ in 0..<options.connections { sessions.append(try await Session.start(binary: options.binary, backend: backend)) }
    var figures = await measure(sessions, perSession: options.runsPerConnection)
    figures.lost = max(0, figures.completed * eventsPerRun - figures.events)
    figures.print(
        "\(options.connections) connections × \(options.runsPerConnection) concurrent streamed runs (peak RSS: the largest process)",
        inFlight: options.runsPerConnection)
    for session in sessions {
        await session.client.shutdown()
        _ = session.child.finish()
    }
}
hostedService?.server.stop()
