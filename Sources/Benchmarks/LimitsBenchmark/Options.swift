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
    /// The groups of rows to measure (`--rows`): all by default.
    var rows = Set(RowGroup.allCases)

    /// Rows measured together (one run gives several figures).
    enum RowGroup: String, CaseIterable {
        /// streamed events/s, CPU per event, peak RSS while relaying
        case stream
        /// threads/retrieve beside a bare GET
        case retrieve
        /// spawn → initialize, idle RSS
        case startup
        /// local runs/s
        case runs
        /// messages/list deep in a large thread
        case list
    }

    static let usage = """
        usage: LimitsBenchmark [--quick] [--assistd PATH] [--venv DIR] [--rows LIST] [--rounds N] [--deltas N] [--runs N] [--messages N]
          --assistd  the binary to measure (default .build/release/assistd)
          --venv     where the official SDK's virtual environment is made once (default .build/limits-benchmark-venv)
          --rows     only these rows, comma-separated: stream, retrieve, startup, runs, list (default all)
          --quick    2 rounds, a 20,000-delta stream, 1,000 runs, 200,000 messages (page 10,000 is then the last)
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
        while let flag = rest.popFirst() {
            switch flag {
            case "--assistd": options.assistd = value()
            case "--venv": options.venv = value()
            case "--rounds": options.rounds = number(options.rounds)
            case "--deltas": options.deltas = number(options.deltas)
            case "--runs": options.localRuns = number(options.localRuns)
            case "--messages": options.messages = max(200_000, number(options.messages))
            case "--rows":
                let names = value().split(separator: ",").map(String.init)
                let groups = names.compactMap(RowGroup.init(rawValue:))
                guard !groups.isEmpty, groups.count == names.count else { usageExit() }
                options.rows = Set(groups)
            default:
                usageExit()
            }
        }
        guard FileManager.default.isExecutableFile(atPath: options.assistd) else {
            FileHandle.standardError.write(Data("no assistd at \(options.assistd): swift build -c release, or pass --assistd PATH\n".utf8))
            exit(2)
        }
        return options
    }

    static func usageExit() -> Never {
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        exit(2)
    }
}
