import Foundation
import JSONCore

#if canImport(Glibc)
import Glibc
#endif

/// The machine's floor under a request's round trip: `cat` echoing the request's bytes through
/// the same kind of pipes the benchmark uses to assistd, two processes and no work. A round trip
/// costs a few µs when both processes share a CPU and tens of µs when the other side has to be
/// woken on another one, and this VM puts them either way from run to run; so the latency rows
/// show this floor, measured request by request beside them.
final class PipeEcho {
    private let process: SpawnedProcess

    init() throws { process = try SpawnedProcess("/bin/cat", []) }

    /// One round trip of `line` (newline included), in µs.
    func roundTrip(_ line: [UInt8]) -> Double {
        let started = monotonicSeconds()
        process.send(line)
        guard let echoed = process.nextLine(), echoed.count == line.count - 1 else { fatalError("cat did not echo the line") }
        return (monotonicSeconds() - started) * 1e6
    }

    func finish() { process.finish() }
}

/// One kind of request timed one at a time: its wall time, and what the serving process's threads
/// did from the request's send to its answer's arrival (CPU µs, and how many times they were put
/// on a CPU: the wake-ups and hand-offs), read from /proc/PID/task/*/schedstat around it. CPU and
/// wake-ups are steady where wall time swings with where the scheduler put the two processes.
struct RequestCosts {
    var wall: [Double] = []
    var cpu: [Double] = []
    var scheduled: [Double] = []

    mutating func measure(_ pid: pid_t, _ request: () -> Void) {
        let before = ThreadCounters(pid)
        let started = monotonicSeconds()
        request()
        wall.append((monotonicSeconds() - started) * 1e6)
        let after = ThreadCounters(pid)
        cpu.append((after.cpuNanoseconds - before.cpuNanoseconds) / 1e3)
        scheduled.append(after.timesScheduled - before.timesScheduled)
    }

    /// As `name`, `name.cpu` and `name.scheduled`.
    func add(to samples: Samples, as name: String) {
        samples.add(name, wall)
        samples.add(name + ".cpu", cpu)
        samples.add(name + ".scheduled", scheduled)
    }
}

/// The sums over a process's live threads of /proc/PID/task/TID/schedstat: nanoseconds on a CPU,
/// and the number of times a thread was put on one. Read with plain syscalls, so the benchmark's
/// own work between requests stays small.
struct ThreadCounters {
    var cpuNanoseconds = 0.0
    var timesScheduled = 0.0

    init(_ pid: pid_t) {
        guard let directory = opendir("/proc/\(pid)/task") else { return }
        defer { closedir(directory) }
        var buffer = [UInt8](repeating: 0, count: 128)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.first?.isNumber == true else { continue }
            let fd = open("/proc/\(pid)/task/\(name)/schedstat", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard count > 0 else { continue }
            // "<ns on a CPU> <ns waiting for one> <times run>"
            let fields = String(decoding: buffer[..<count], as: UTF8.self).split(separator: " ")
            guard fields.count >= 3 else { continue }
            cpuNanoseconds += Double(fields[0]) ?? 0
            timesScheduled += Double(fields[2].filter(\.isNumber)) ?? 0
        }
    }
}

/// The floors beside the `threads/retrieve` row, measured in the same rounds (HostedRows times the
/// retrieves themselves): the pipe echo of a retrieve's bytes, and a hosted assistd's transport
/// round trip for a request of those bytes naming no method.
final class RetrieveFloors {
    private let assistd: AssistdPipe
    private let echo: PipeEcho
    private let params: JSONValue
    private let count: Int
    private let samples: Samples

    init(binary: String, arguments: [String], environment: [String: String], count: Int, samples: Samples) throws {
        assistd = try AssistdPipe(binary: binary, arguments: arguments, environment: environment)
        _ = assistd.request("initialize", ["clientInfo": ["name": "LimitsBenchmark"]])
        params = ["thread_id": assistd.request("threads/create")["id"]!]
        echo = try PipeEcho()
        self.count = count
        self.samples = samples
        for _ in 0..<50 { assistd.requestUnknownMethod(params) }  // warm up
    }

    func round() {
        let line = AssistdPipe.line(id: 1_000, "threads/retrieve", params)
        var pipe: [Double] = []
        var transport = RequestCosts()
        for _ in 0..<count {
            transport.measure(assistd.pid) { assistd.requestUnknownMethod(params) }
            pipe.append(echo.roundTrip(line))
        }
        samples.add("retrieve.pipe", pipe)
        transport.add(to: samples, as: "retrieve.noop")
    }

    func finish() {
        assistd.finish()
        echo.finish()
    }
}
