import AssistdSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How a server process ended.
enum ProcessExit: Sendable, Equatable, CustomStringConvertible {
    case exited(status: Int32)
    case signalled(Int32)

    /// Decodes a `waitpid` status (the WIFEXITED/WTERMSIG macros, which Swift does not import).
    init(waitStatus: Int32) {
        let signal = waitStatus & 0x7f
        self = signal == 0 ? .exited(status: (waitStatus >> 8) & 0xff) : .signalled(signal)
    }

    var description: String {
        switch self {
        case .exited(let status): return "exited with status \(status)"
        case .signalled(let signal): return "was killed by signal \(signal)"
        }
    }
}

/// One server process, spawned with `posix_spawn` in a process group of its own (so that stopping
/// it also stops what it started) with pipes for its stdin, stdout and stderr. A thread waits for
/// it, so it is reaped as soon as it ends, whoever ended it; what is left of its group is then
/// killed.
final class ServerProcess: Sendable {
    let pid: pid_t
    /// Our ends of its pipes; the stdin and stdout ends belong to the JSON-RPC connection, the
    /// stderr end to the `StderrDrain`, which close them.
    let stdinWrite: Int32
    let stdoutRead: Int32
    let stderrRead: Int32
    private let exit = Locked<ProcessExit?>(nil)

    var exitStatus: ProcessExit? { exit.current }

    private init(pid: pid_t, stdinWrite: Int32, stdoutRead: Int32, stderrRead: Int32) {
        self.pid = pid
        self.stdinWrite = stdinWrite
        self.stdoutRead = stdoutRead
        self.stderrRead = stderrRead
    }

    /// Starts `executable` (already resolved to a path). Throws the `spawnFailed` reason.
    static func spawn(executable: String, arguments: [String], environment: [String: String], workingDirectory: String?) throws(SpawnError) -> ServerProcess {
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            var ends: [Int32] = [-1, -1]
            // Close-on-exec: no other child of ours inherits these; dup2 into 0/1/2 clears it for this one.
            guard GNUExtensions.closeOnExecPipe(&ends) else {
                let reason = String(cString: strerror(errno))
                for pair in pipes { pair.forEach { _ = close($0) } }
                throw SpawnError(reason: "pipe: \(reason)")
            }
            pipes.append(ends)
        }
        let (stdinPipe, stdoutPipe, stderrPipe) = (pipes[0], pipes[1], pipes[2])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        if let workingDirectory, !GNUExtensions.addChdir(&actions, workingDirectory) {
            throw SpawnError(reason: "this C library cannot start a process in another directory (\(workingDirectory))")
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // assistd ignores SIGPIPE; an ignored signal stays ignored across exec, so give the server
        // the default back, and an empty signal mask.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // The child's ends are the child's now (or nobody's, when spawning failed).
        for fd in [stdinPipe[0], stdoutPipe[1], stderrPipe[1]] { _ = close(fd) }
        guard result == 0 else {
            for fd in [stdinPipe[1], stdoutPipe[0], stderrPipe[0]] { _ = close(fd) }
            throw SpawnError(reason: String(cString: strerror(result)))
        }
        let process = ServerProcess(pid: pid, stdinWrite: stdinPipe[1], stdoutRead: stdoutPipe[0], stderrRead: stderrPipe[0])
        process.startReaper()
        return process
    }

    struct SpawnError: Error {
        let reason: String
    }

    private func startReaper() {
        let thread = Thread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                guard errno == EINTR else { return }
            }
            exit.withLock { $0 = ProcessExit(waitStatus: status) }
            // What it started and left behind would keep its stdout open, and its calls waiting
            // for an answer that cannot come: the server is gone, so they go too.
            signalGroup(SIGKILL)
        }
        thread.name = "mcp.reaper"
        thread.stackSize = 64 << 10
        thread.start()
    }

    /// Waits until the process has been reaped or `timeout` passed; answers how it ended.
    func waitForExit(timeout: Duration) async -> ProcessExit? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = exit.current { return status }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Sends `signal` to the server's whole process group (what it started too).
    func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// SIGTERM to the group, SIGKILL after `grace` if the server has not ended, and a final SIGKILL
    /// to whatever of its group is left; returns once the server is reaped (or the wait for a
    /// SIGKILLed process, which cannot take long, gave up).
    func terminate(grace: Duration) async -> ProcessExit? {
        if exitStatus == nil {
            signalGroup(SIGTERM)
            if await waitForExit(timeout: grace) == nil {
                signalGroup(SIGKILL)
            }
        }
        let status = await waitForExit(timeout: .seconds(5))
        // Children the server left behind in its group are not left running.
        signalGroup(SIGKILL)
        return status
    }
}
