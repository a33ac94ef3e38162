import Foundation

/// A process's resident memory from /proc/PID/status, in bytes: `VmHWM` (the peak) and `VmRSS` (now).
enum ProcessMemory {
    static func peak(of pid: Int32) -> Int? { field("VmHWM", of: pid) }
    static func resident(of pid: Int32) -> Int? { field("VmRSS", of: pid) }

    private static func field(_ name: String, of pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }
}
