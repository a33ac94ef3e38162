// LimitsBenchmark: every row of "close to the machine's limit" in one run, assistd beside its
// peer or floor: the official Python SDK (in a virtual environment made here), a bare HTTP
// client, the raw HTTP body, Python importing the SDK, SQLite's own query. Repetitions
// interleave (each round runs one of everything, assistd's and the peer's back to back); the
// table quotes medians over rounds, and CPU time is each process's own, read from /proc.
//
//   swift build -c release --product assistd && swift build -c release --product LimitsBenchmark
//   .build/release/LimitsBenchmark [--quick] [--assistd PATH]
//
// The hosted rows run against the FAKE service of Tests/Fakes on this machine, so they compare
// client-side costs. assistd is driven by a client that does the least it can (it counts the
// stream's frames, parses only responses), so the figures are assistd's. The latency rows show
// their floors, measured in the same rounds: the machine's pipe round trip for the same bytes
// (`cat`) and assistd's transport round trip (a request for a method it does not have).
import Foundation
import TestSupport

let options = Options.parse(CommandLine.arguments)
let samples = Samples()
say("LimitsBenchmark\(options.quick ? " --quick" : ""): \(options.assistd)")
say("\(options.rounds) rounds; a \(options.deltas)-delta hosted stream, \(options.retrievesPerRound) retrieves, "
    + "\(options.spawnsPerRound) start-ups, \(options.localRuns) local runs and \(options.listsPerRound) page reads a round; "
    + "\(ProcessInfo.processInfo.activeProcessorCount) CPUs, load average \(loadAverage()) at the start")
let hostedRows: Set<Options.Row> = [.stream, .retrieve, .startup]
let hosted = try options.localOnly || options.rows.isDisjoint(with: hostedRows)
    ? nil : HostedRows(options: options, python: SDKEnvironment.prepare(at: options.venv).python, samples: samples)
// The retrieve row's floors, beside it in the same rounds, on a hosted assistd of their own.
let retrieveFloors = try hosted.flatMap { hosted in
    try options.rows.contains(.retrieve) ? RetrieveFloors(
        binary: options.assistd, arguments: hosted.arguments,
        environment: ProcessInfo.processInfo.environment.merging(["DASHSCOPE_API_KEY": FakeDashScopeServer.apiKey]) { $1 },
        count: options.retrievesPerRound, samples: samples) : nil
}
// The local rows' set-up (a 1,000,000-message thread) is skipped when neither is asked for.
let page = try options.rows.isDisjoint(with: [.runs, .list]) ? nil : DeepPage(messages: options.messages)
let local = try page.map { try LocalRows(binary: options.assistd, options: options, page: $0, samples: samples) }
let baseline = try page.flatMap { page in
    try options.baseline.map { try LocalRows(binary: $0, options: options, page: page, samples: samples, prefix: "baseline.") }
}
for round in 1...options.rounds {
    let started = monotonicSeconds()
    try hosted?.round()
    retrieveFloors?.round()
    // The A/B's order alternates, so neither side always runs on a machine the other just warmed.
    for rows in round % 2 == 1 ? [local, baseline] : [baseline, local] { rows?.round() }
    say("round \(round) of \(options.rounds): \(String(format: "%.0f", monotonicSeconds() - started)) s, load average \(loadAverage())")
}
hosted?.finish()
retrieveFloors?.finish()
local?.finish()
baseline?.finish()
page?.remove()
Table(samples: samples, options: options).print()

func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}
