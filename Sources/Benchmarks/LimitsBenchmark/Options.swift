import Foundation
import TestSupport

/// The command line. The full mode is what figures are quoted from; `--quick` tries it out.
struct Options {
    var assistd = RepositoryPaths.root.appendingPathComponent(".build/release/assistd").path
    var venv = RepositoryPaths.root.appendingPathComponent(".build/limits-benchmark-venv").path
    var rounds = 5
    var deltas = 100_000
    var retrievesPerRound = 300
    var spawnsPerRound = 6
    var localRuns = 4_000
    var messages = 1_000_000
    var listsPerRound = 300
    var quick = false
    /// Only rows 7 and 8 (no fake service, no SDK): for work on the local backend.
    var localOnly = false
    /// Another assistd measured in the local rows beside `assistd`, interleaved: an A/B.
    var baseline: String?
    /// The rows to measure (`--rows`): all of them unless named.
    var rows: Set<Row> = Set(Row.allCases)

    enum Row: String, CaseIterable {
        case stream, retrieve, startup, runs, list
    }

    static let usage = """
        usage: LimitsBenchmark [--quick] [--local-only | --stream-only] [--assistd PATH] [--baseline PATH] [--venv DIR] [--rounds N] [--deltas N] [--runs N] [--lists N] [--messages N] [--rows LIST]
          --assistd  the binary to measure (default .build/release/assistd)
          --venv     where the official SDK's virtual environment is made once (default .build/limits-benchmark-venv)
          --quick    2 rounds, a 20,000-delta stream, 1,000 runs, 200,000 messages (page 10,000 is then the last)
          --stream-only  only the hosted stream's rows (events/s, CPU per event, peak RSS)
          --local-only  only the local rows (runs/s, messages/list), without the fake service or the SDK
          --baseline PATH  another assistd measured in the local rows and the retrieve row beside --assistd, run for run (an A/B)
          --rows     only these rows, comma-separated: stream (rows 1, 2, 6), retrieve, startup (rows 4, 5), runs, list
        """

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        if arguments.contains("--quick") {
            options.quick = true
            (options.rounds, options.deltas, options.retrievesPerRound, options.spawnsPerRound) = (2, 20_000, 100, 3)
            (options.localRuns, options.messages, options.listsPerRound) = (1_000, 200_000, 100)
        }
        var rest = arguments.dropFirst().filter { $0 != "--quick" }[...]
        func value() -> String { rest.popFirst() ?? "" }
        func number(_ fallback: Int) -> Int { max(1, Int(value()) ?? fallback) }
        func usageError() -> Never {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            exit(2)
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--assistd": options.assistd = value()
            case "--venv": options.venv = value()
            case "--local-only": options.localOnly = true
            case "--stream-only": options.rows = [.stream]
            case "--baseline": options.baseline = value()
            case "--rounds": options.rounds = number(options.rounds)
            case "--deltas": options.deltas = number(options.deltas)
            case "--runs": options.localRuns = number(options.localRuns)
            case "--lists": options.listsPerRound = number(options.listsPerRound)
            case "--messages": options.messages = max(200_000, number(options.messages))
            case "--rows":
                let named = value().split(separator: ",").map { Row(rawValue: String($0)) }
                guard !named.isEmpty, named.allSatisfy({ $0 != nil }) else { usageError() }
                options.rows = Set(named.compactMap { $0 })
            default:
                usageError()
            }
        }
        for binary in [options.assistd] + (options.baseline.map { [$0] } ?? []) where !FileManager.default.isExecutableFile(atPath: binary) {
            FileHandle.standardError.write(Data("no assistd at \(binary): swift build -c release, or pass --assistd PATH\n".utf8))
            exit(2)
        }
        return options
    }
}
