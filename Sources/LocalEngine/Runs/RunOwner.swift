/// The process executing a run, as recorded beside it (`run_owners`): its pid, the time it
/// started (`/proc/<pid>/stat` field 22, clock ticks since boot) and the boot it started in
/// (`/proc/sys/kernel/random/boot_id`). The three name one process for good: a pid alone is
/// handed to a new process once its own is gone, and start times begin again at every boot.
/// A process serves a data dir through one `RunExecutor`, which takes a run of its own that it
/// holds nothing for as one whose last write failed, not as another executor's.
public struct RunOwner: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    /// nil when unknown: recorded by an older assistd (the pid alone), or `/proc` was unreadable.
    public var startTime: UInt64?
    public var bootID: String?

    public init(pid: Int32, startTime: UInt64?, bootID: String?) {
        self.pid = pid
        self.startTime = startTime
        self.bootID = bootID
    }

    public var description: String {
        "pid \(pid)" + (startTime.map { " started at tick \($0)" } ?? "") + (bootID.map { " in boot \($0)" } ?? "")
    }
}
