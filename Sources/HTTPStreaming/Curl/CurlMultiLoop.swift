import CCurl
import Foundation

/// One curl multi handle and the thread that drives it: it adds, cancels and resumes transfers
/// when asked (curl handles are not thread-safe, so only the driving thread touches them), runs
/// curl, finishes transfers that are done, and ends those that are overdue (the watchdog). The
/// driver is a thread of the loop's own, or (`inputThread`) a thread that waits for input and
/// drives the loop's transfers while it waits (`drive(untilReadable:)`).
final class CurlMultiLoop: @unchecked Sendable {
    // @unchecked: `commands`, `engine`, `stopped`, `owner` and `driving` are guarded by `lock`;
    // `transfers` and the multi handle's use belong to the driving thread.
    enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
        case shutdown
    }

    enum Driver {
        /// A thread of the loop's own, started by the first transfer.
        case ownThread
        /// The thread that calls `drive(untilReadable:)` first (a connection's read thread): the
        /// transfers it starts are sent, waited for and finished while it waits for its input,
        /// so the answer to a call costs it one wake-up, with no hand-off to another thread.
        case waitingThread
    }

    /// The loop of the calls started on a connection's read thread (`InputThreadTransfers`).
    static let inputThread = CurlMultiLoop(driver: .waitingThread, maxConnectionsPerHost: 16)

    private let lock = NSLock()
    private let driver: Driver
    private let maxConnectionsPerHost: Int
    /// The library and the multi handle, made by the first transfer (so libcurl is loaded only
    /// when a request needs it).
    private var engine: (curl: LibCurl, multi: UnsafeMutableRawPointer)?
    private var commands: [Command] = []
    private var stopped = false
    /// `.waitingThread`: the thread that drives the loop, once it has asked to.
    private var owner: pthread_t?
    /// `.waitingThread`: the owner is inside `drive` (a call from a task it resumes returns at once).
    private var driving = false
    /// Wakes the driver: a byte written to this pipe, which `curl_multi_poll` watches beside
    /// curl's sockets, after the command is queued and the lock released (`curl_multi_wakeup` had
    /// to be called under the lock, and woke the loop into waiting for it: two switches, not
    /// one). The driver's own commands need none: it takes them before it next waits.
    /// Made with the engine; closed with the loop, so a poster may write it without the lock.
    private var wakePipe: (read: Int32, write: Int32)?
    /// Easy handles of ended transfers, reset, for the next ones: making one allocates and
    /// initialises curl's per-transfer state every time.
    private var spareHandles: [UnsafeMutableRawPointer] = []
    private static let maxSpareHandles = 8
    private var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(driver: Driver, maxConnectionsPerHost: Int) {
        self.driver = driver
        self.maxConnectionsPerHost = maxConnectionsPerHost
    }

    /// Whether this thread drives the loop (`.waitingThread`), so a transfer it adds is performed
    /// while it waits.
    var isDrivenByCurrentThread: Bool {
        lock.withLock { owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    /// Hands a command to the driving thread and wakes it (not when posted by the driver
    /// itself). After `shutdown`, a new transfer fails at once and other commands are dropped.
    func post(_ command: Command) {
        enum Outcome { case posted(wake: Int32?), start, refused }
        let outcome = lock.withLock { () -> Outcome in
            guard !stopped else { return .refused }
            if case .shutdown = command { stopped = true }
            if engine != nil, let wakePipe {
                commands.append(command)
                let byDriver = owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false
                return .posted(wake: byDriver ? nil : wakePipe.write)
            }
            // No engine yet: only a transfer makes one (cancel and resume follow an add).
            guard case .add(let transfer) = command, let made = transfer.curl.multiInit() else { return .refused }
            guard let pipe = Self.makeWakePipe() else {
                _ = transfer.curl.multiCleanup(made)
                return .refused
            }
            _ = transfer.curl.multiSetLong(made, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
            engine = (transfer.curl, made)
            wakePipe = pipe
            commands.append(command)
            return driver == .ownThread ? .start : .posted(wake: nil)
        }
        switch outcome {
        case .start:
            let thread = Thread { [self] in run() }
            thread.name = "http.curl"
            // Waiting callers may go on on this thread when it resumes them (a request started
            // on a connection's read thread parses and writes its answer here), so room for
            // that work's deepest parse.
            thread.stackSize = 4 << 20
            thread.start()
        case .refused:
            if case .add(let transfer) = command {
                transfer.markCancelled()
                transfer.finish(CURLE_ABORTED_BY_CALLBACK)
                transfer.release()
                transfer.curl.easyCleanup(transfer.handle)
            }
        case .posted(let wake):
            guard let wake else { return }
            var byte: UInt8 = 1
            // Non-blocking: a full pipe already holds a wake-up.
            _ = write(wake, &byte, 1)
        }
    }

    deinit {
        if let wakePipe {
            close(wakePipe.read)
            close(wakePipe.write)
        }
    }

    /// A pipe whose ends neither block nor pass to child processes.
    private static func makeWakePipe() -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        return (ends[0], ends[1])
    }

    /// Empties the wake pipe (the driver, before it takes the commands).
    private static func drain(_ fileDescriptor: Int32) {
        var bytes = [UInt8](repeating: 0, count: 64)
        while bytes.withUnsafeMutableBytes({ read(fileDescriptor, $0.baseAddress, $0.count) }) == 64 {}
    }

    /// An easy handle for a new transfer: a spare one, else a new one (nil if curl cannot make one).
    func takeHandle(_ curl: LibCurl) -> UnsafeMutableRawPointer? {
        lock.withLock { spareHandles.popLast() } ?? curl.easyInit()
    }

    /// Keeps an ended transfer's handle for the next one, reset (the driver; once out of the
    /// multi handle), or frees it.
    private func recycle(_ handle: UnsafeMutableRawPointer, _ curl: LibCurl) {
        curl.easyReset(handle)
        let kept = lock.withLock { () -> Bool in
            guard !stopped, spareHandles.count < Self.maxSpareHandles else { return false }
            spareHandles.append(handle)
            return true
        }
        if !kept { curl.easyCleanup(handle) }
    }

    // MARK: driving

    private func run() {
        while step(input: nil) != .shutDown {}
    }

    /// `.waitingThread`: performs the transfers this thread started until `input` is readable
    /// (then returns, for the caller to read it) or none is left; with nil, until none is left.
    /// Returns at once on any other thread, when none is in flight, or when called again from
    /// inside (a task the loop resumed). Without busy polling: it sleeps in `curl_multi_poll`.
    func drive(untilReadable input: Int32?) {
        let mayDrive = lock.withLock { () -> Bool in
            guard driver == .waitingThread else { return false }
            if owner == nil { owner = pthread_self() }
            guard let owner, pthread_equal(owner, pthread_self()) != 0, !driving, engine != nil else { return false }
            driving = true
            return true
        }
        guard mayDrive else { return }
        defer { lock.withLock { driving = false } }
        while step(input: input) == .polled {}
    }

    private enum StepOutcome { case polled, inputReadable, idle, shutDown }

    /// One turn of the loop: the commands, curl's work, the watchdog, then a wait for a socket,
    /// the wake pipe or `input` (skipped by a waiting thread with nothing in flight).
    private func step(input: Int32?) -> StepOutcome {
        let taken = lock.withLock { () -> (LibCurl, UnsafeMutableRawPointer, Int32, [Command])? in
            guard let (curl, multi) = engine, let wakeRead = wakePipe?.read else { return nil }
            defer { commands = [] }
            return (curl, multi, wakeRead, commands)
        }
        guard let (curl, multi, wakeRead, pending) = taken else { return .idle }
        for command in pending {
            switch command {
            case .add(let transfer):
                transfers[transfer.handle] = transfer
                _ = curl.multiAddHandle(multi, transfer.handle)
            case .cancel(let transfer):
                end(transfer, CURLE_ABORTED_BY_CALLBACK, curl, multi)
            case .resume(let transfer):
                guard transfers[transfer.handle] === transfer else { continue }
                transfer.noteResumed()
                _ = curl.easyPause(transfer.handle, CURLPAUSE_CONT)
            case .shutdown:
                for transfer in Array(transfers.values) {
                    transfer.markCancelled()
                    end(transfer, CURLE_ABORTED_BY_CALLBACK, curl, multi)
                }
                let spares = lock.withLock { () -> [UnsafeMutableRawPointer] in
                    _ = curl.multiCleanup(multi)
                    defer { spareHandles = [] }
                    return spareHandles
                }
                spares.forEach(curl.easyCleanup)
                return .shutDown
            }
        }
        var running: Int32 = 0
        _ = curl.multiPerform(multi, &running)
        var left: Int32 = 0
        while let message = curl.multiInfoRead(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                let transfer = transfers[handle]
            else { continue }
            end(transfer, message.pointee.data.result, curl, multi)
        }
        let now = ContinuousClock.now
        var tick = Duration.seconds(60)
        var overdue: [(CurlTransfer, String)] = []  // ended after the walk, which they change
        for transfer in transfers.values {
            tick = min(tick, transfer.watchdogTick)
            if let reason = transfer.overdue(now: now) {
                overdue.append((transfer, reason))
            }
        }
        for (transfer, reason) in overdue {
            end(transfer, CURLE_OPERATION_TIMEDOUT, curl, multi, timedOut: reason)
        }
        if driver == .waitingThread {
            // Commands the driver's own tasks posted while they ran here (a repeat, a next call)
            // woke no one: they are taken before any wait.
            let posted = lock.withLock { !commands.isEmpty }
            if posted { return .polled }
            if transfers.isEmpty { return .idle }
        }
        var wake = curl_waitfd(fd: wakeRead, events: Int16(CURL_WAIT_POLLIN), revents: 0)
        var inputReadable = false
        let timeout = Int32(TransportPolicy.seconds(tick) * 1000)
        if let input {
            var waits = (wake, curl_waitfd(fd: input, events: Int16(CURL_WAIT_POLLIN), revents: 0))
            withUnsafeMutableBytes(of: &waits) { bytes in
                _ = curl.multiPoll(multi, bytes.baseAddress?.assumingMemoryBound(to: curl_waitfd.self), 2, timeout, nil)
            }
            (wake, inputReadable) = (waits.0, waits.1.revents != 0)
        } else {
            _ = curl.multiPoll(multi, &wake, 1, timeout, nil)
        }
        if wake.revents != 0 { Self.drain(wakeRead) }
        return inputReadable ? .inputReadable : .polled
    }

    /// Takes the transfer out of curl, frees it and tells its waiters how it ended.
    private func end(_ transfer: CurlTransfer, _ code: CURLcode, _ curl: LibCurl, _ multi: UnsafeMutableRawPointer, timedOut: String? = nil) {
        // A handle is reused once its transfer ended: a late cancel must not end its next one.
        guard transfers[transfer.handle] === transfer else { return }
        transfers[transfer.handle] = nil
        _ = curl.multiRemoveHandle(multi, transfer.handle)
        transfer.finish(code, timedOut: timedOut)
        transfer.release()
        recycle(transfer.handle, curl)
    }
}
