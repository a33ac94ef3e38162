import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child started with posix_spawn, its stdin and stdout on pipes (stderr is ours), with a
/// buffered line reader on its stdout. Lighter than Foundation's `Process`, so that spawn → first
/// answer measures the child, not the spawning.
final class SpawnedProcess {
    let pid: pid_t
    let input: Int32
    let output: Int32
    private var buffer: UnsafeMutableRawPointer
    private var capacity = 1 << 20
    private var start = 0
    private var end = 0

    init(
        _ executable: String, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        standardErrorToNull: Bool = false
    ) throws {
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw SpawnFailed(executable, errno) }
        // Not inherited by later children: a pipe held open by another child would never see EOF.
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        if standardErrorToNull { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, argv, envp)
        close(toChild[0])
        close(fromChild[1])
        guard status == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw SpawnFailed(executable, status)
        }
        pid = child
        input = toChild[1]
        output = fromChild[0]
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    func send(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(input, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                precondition(written > 0, "write to child \(pid) failed: errno \(errno)")
                offset += written
            }
        }
    }

    /// The next line of the child's stdout without its newline, valid until the next read; nil at EOF.
    func nextLine() -> UnsafeRawBufferPointer? {
        while true {
            if end > start, let newline = memchr(buffer + start, 0x0A, end - start) {
                let line = UnsafeRawBufferPointer(start: buffer + start, count: newline - (buffer + start))
                start += line.count + 1
                return line
            }
            if start > 0 {
                memmove(buffer, buffer + start, end - start)
                end -= start
                start = 0
            }
            if end == capacity {
                let larger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                larger.copyMemory(from: buffer, byteCount: end)
                buffer.deallocate()
                buffer = larger
                capacity *= 2
            }
            let count = read(output, buffer + end, capacity - end)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return nil }
            end += count
        }
    }

    /// Closes the child's stdin (assistd and the helpers exit at EOF) and waits for it.
    @discardableResult
    func finish() -> Int32 {
        close(input)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(output)
        return status
    }
}

struct SpawnFailed: Error, CustomStringConvertible {
    let description: String
    init(_ executable: String, _ code: Int32) { description = "cannot start \(executable): \(String(cString: strerror(code)))" }
}

/// CPU and memory of a process, read from /proc (the process's own figures: all its threads).
enum ProcFigures {
    /// User + system CPU seconds.
    static func cpuSeconds(_ pid: pid_t) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else {
            return 0
        }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
        return ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU milliseconds of the live threads, from each one's /proc/PID/task/TID/schedstat (in
    /// nanoseconds, where /proc/PID/stat counts 10 ms ticks): for short spans such as start-up.
    static func liveThreadsCPUMilliseconds(_ pid: pid_t) -> Double {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.reduce(0) { total, task in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8)) ?? ""
            return total + (Double(text.split(separator: " ").first ?? "") ?? 0) / 1e6
        }
    }

    /// A `kB` field of /proc/PID/status (VmRSS, VmHWM) in bytes.
    static func memory(_ pid: pid_t, _ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return (Int(line.dropFirst(field.count + 1).filter(\.isNumber)) ?? 0) * 1024
        }
        return 0
    }
}

/// A line on stdout, unbuffered (progress shows as it happens, also through a pipe).
func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
