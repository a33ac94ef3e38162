import Foundation

/// Whether a run's owner still runs, from `/proc`. Processes sharing a data dir must share a
/// pid namespace (one host or one container) for pids to mean the same process to each.
extension RunOwner {
    /// This process.
    public static func thisProcess() -> RunOwner {
        let pid = getpid()
        return RunOwner(pid: pid, startTime: ProcessStat.of(pid: pid)?.startTime, bootID: currentBootID())
    }

    /// False once the process is gone: no such pid, a pid now held by a process that started at
    /// another time, a zombie (killed, not yet reaped), or a record from an earlier boot.
    public func isAlive() -> Bool {
        if let bootID, let current = Self.currentBootID(), bootID != current { return false }
        guard pid > 0 else { return false }
        guard let stat = ProcessStat.of(pid: pid) else {
            // No entry: gone; unless there is no /proc to ask, where the signal check decides.
            if ProcessStat.of(pid: getpid()) != nil { return false }
            return kill(pid, 0) == 0 || errno == EPERM
        }
        if stat.state == "Z" || stat.state == "X" { return false }
        guard let startTime else {
            // An older assistd recorded the pid alone; if it is ours, that one is gone (the
            // current identity is never recorded without its start time while /proc is readable).
            return pid != getpid()
        }
        return stat.startTime == startTime
    }

    static func currentBootID() -> String? { bootID }

    /// Fixed for the life of the process: read once.
    private static let bootID: String? = {
        guard let text = ProcessStat.readSmallFile("/proc/sys/kernel/random/boot_id") else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }()
}

/// The two fields of `/proc/<pid>/stat` that identify a process and tell a zombie.
struct ProcessStat: Equatable {
    /// Field 3: `R`, `S`, `D`, `Z` (zombie), `X` (dead), …
    var state: Character
    /// Field 22: when the process started, in clock ticks since boot.
    var startTime: UInt64

    static func of(pid: Int32) -> ProcessStat? {
        readSmallFile("/proc/\(pid)/stat").flatMap(parse)
    }

    /// The second field (the command name) is in parentheses and may itself hold spaces and
    /// parentheses, so the fields are counted from the last `)`.
    static func parse(_ text: String) -> ProcessStat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19, let state = fields[0].first, let startTime = UInt64(fields[19]) else { return nil }
        return ProcessStat(state: state, startTime: startTime)
    }

    /// `/proc` files report size 0, so they are read until end of file.
    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return nil }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
