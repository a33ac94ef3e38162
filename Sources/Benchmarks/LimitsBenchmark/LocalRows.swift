import AssistantAPI
import CSQLite
import Foundation
import JSONCore
import LocalEngine

/// Rows 7 and 8: the local backend. Runs with the scripted TEST model at zero latency, and
/// `messages/list` deep in a large thread beside SQLite's own query for the same page.
final class LocalRows {
    let options: Options
    let samples: Samples
    /// Before each sample's name: "" for the binary measured, "baseline." for the other of an A/B.
    let prefix: String
    private let running: AssistdPipe
    private let assistant: JSONValue
    private let scriptPath: String
    private let listing: AssistdPipe
    private let page: DeepPage
    private let echo: PipeEcho

    static let inFlight = 64
    /// Runs per thread: a turn reads its thread's history whole, so threads stay short.
    static let runsPerThread = 8

    init(binary: String, options: Options, page: DeepPage, samples: Samples, prefix: String = "") throws {
        self.options = options
        self.samples = samples
        self.prefix = prefix
        self.page = page
        scriptPath = NSTemporaryDirectory() + "limits-benchmark-\(getpid())-\(prefix).json"
        let script: JSONValue = ["turns": [["text": .string(String(repeating: "benchmark text ", count: 8)), "chunks": 8]]]
        try Data(script.serialized()).write(to: URL(fileURLWithPath: scriptPath))
        running = try AssistdPipe(binary: binary, arguments: ["--ephemeral", "--model", "scripted:\(scriptPath)"])
        _ = running.request("initialize", ["clientInfo": ["name": "LimitsBenchmark"]])
        assistant = running.request("assistants/create", ["model": "scripted", "name": "limits"])["id"]!

        echo = try PipeEcho()
        listing = try AssistdPipe(binary: binary, arguments: ["--data-dir", page.directory])
        _ = listing.request("initialize", ["clientInfo": ["name": "LimitsBenchmark"]])
        let first = listing.request("messages/list", page.params)
        precondition(first["data"]?.arrayValue?.count == DeepPage.pageSize, "page \(DeepPage.pageNumber) came back short")
        for _ in 0..<50 {
            _ = listing.request("messages/list", page.params)
            listing.requestUnknownMethod(page.params)
        }
        _ = runBurst(runs: 256)  // warm up: first SQLite pages, first tasks
    }

    func round() {
        if options.rows.contains(.runs) { runsRound() }
        if options.rows.contains(.list) { listRound() }
    }

    private func runsRound() {
        let started = ProcFigures.cpuSeconds(running.pid)
        let (runs, seconds) = runBurst(runs: options.localRuns)
        samples.add(prefix + "runs.rate", Double(runs) / seconds)
        samples.add(prefix + "runs.cpu", (ProcFigures.cpuSeconds(running.pid) - started) / Double(runs) * 1000)
    }

    /// Page reads one at a time, each followed by its floors: assistd's transport round trip (the
    /// same params under a method it does not have) and the pipe echo of the page request's bytes.
    private func listRound() {
        let line = AssistdPipe.line(id: 1_000, "messages/list", page.params)
        var pages = RequestCosts()
        var transport = RequestCosts()
        var pipe: [Double] = []
        for _ in 0..<options.listsPerRound {
            pages.measure(listing.pid) { listing.requestUnparsed("messages/list", page.params) }
            transport.measure(listing.pid) { listing.requestUnknownMethod(page.params) }
            pipe.append(echo.roundTrip(line))
        }
        pages.add(to: samples, as: prefix + "list.assistd")
        transport.add(to: samples, as: prefix + "list.noop")
        samples.add(prefix + "list.pipe", pipe)
        if prefix.isEmpty { samples.add("list.sqlite", page.sqliteLatencies(options.listsPerRound)) }
    }

    /// About `runs` streamed `runs/create`s on one connection, `inFlight` at a time: each slot
    /// starts its next run when its last one answers, on its own threads (made beforehand; a
    /// thread runs one run at a time). (runs, seconds).
    private func runBurst(runs: Int) -> (Int, Double) {
        let perSlot = max(1, runs / Self.inFlight)
        let threads = (0..<Self.inFlight).map { _ in
            (0..<(perSlot + Self.runsPerThread - 1) / Self.runsPerThread).map { _ in
                running.request("threads/create", ["messages": [["role": "user", "content": "benchmark"]]])["id"]!
            }
        }
        var startedBySlot = [Int](repeating: 0, count: Self.inFlight)
        var slotOfRequest: [Int64: Int] = [:]
        func startNext(_ slot: Int) {
            let thread = threads[slot][startedBySlot[slot] / Self.runsPerThread]
            slotOfRequest[running.send("runs/create", ["thread_id": thread, "assistant_id": assistant, "stream": true])] = slot
            startedBySlot[slot] += 1
        }
        let clock = monotonicSeconds()
        for slot in 0..<Self.inFlight { startNext(slot) }
        var finished = 0
        while finished < perSlot * Self.inFlight, let line = running.process.nextLine() {
            guard AssistdPipe.isResponse(line) else { continue }
            let response = AssistdPipe.parse(line)
            guard let id = response["id"]?.intValue, let slot = slotOfRequest.removeValue(forKey: id) else { continue }
            precondition(response["result"]?["status"] == "completed", "a run did not complete: \(response)")
            finished += 1
            if startedBySlot[slot] < perSlot { startNext(slot) }
        }
        return (finished, monotonicSeconds() - clock)
    }

    func finish() {
        running.finish()
        listing.finish()
        echo.finish()
        try? FileManager.default.removeItem(atPath: scriptPath)
    }
}
