import CCurl
import Foundation

/// The thread that drives one curl multi handle: it adds, cancels and resumes transfers when
/// asked (curl handles are not thread-safe, so only this thread touches them), runs curl,
/// finishes transfers that are done, and ends those that are overdue (the watchdog).
final class CurlMultiLoop: @unchecked Sendable {
    // @unchecked: `commands`, `engine` and `stopped` are guarded by `lock`; `transfers` and
    // the multi handle's use belong to the loop's thread.
    enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
        case shutdown
    }

    private let lock = NSLock()
    private let connectTimeout: Duration
    private let readTimeout: Duration
    private let maxConnectionsPerHost: Int
    /// The library and the multi handle, made with the loop's thread by the first transfer (so
    /// libcurl is loaded only when a request needs it).
    private var engine: (curl: LibCurl, multi: UnsafeMutableRawPointer)?
    private var commands: [Command] = []
    private var stopped = false
    /// Wakes the loop: a byte written to this pipe, which `curl_multi_poll` watches beside curl's
    /// sockets, after the command is queued and the lock released (`curl_multi_wakeup` had to be
    /// called under the lock, and woke the loop into waiting for it: two switches, not one).
    /// Made with the engine; closed with the loop, so a poster may write it without the lock.
    private var wakePipe: (read: Int32, write: Int32)?
    /// Easy handles of ended transfers, reset, for the next ones: making one allocates and
    /// initialises curl's per-transfer state every time.
    private var spareHandles: [UnsafeMutableRawPointer] = []
    private static let maxSpareHandles = 8
    private var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(connectTimeout: Duration, readTimeout: Duration, maxConnectionsPerHost: Int) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maxConnectionsPerHost = maxConnectionsPerHost
    }

    /// Hands a command to the loop's thread (started by the first transfer) and wakes it. After
    /// `shutdown`, a new transfer fails at once and other commands are dropped.
    func post(_ command: Command) {
        enum Outcome { case posted(wake: Int32), start, refused }
        let outcome = lock.withLock { () -> Outcome in
            guard !stopped else { return .refused }
            if case .shutdown = command { stopped = true }
            if engine != nil, let wakePipe {
                commands.append(command)
                return .posted(wake: wakePipe.write)
            }
            // No thread yet: only a transfer starts one (cancel and resume follow an add).
            guard case .add(let transfer) = command, let made = transfer.curl.multiInit() else { return .refused }
            guard let pipe = Self.makeWakePipe() else {
                _ = transfer.curl.multiCleanup(made)
                return .refused
            }
            _ = transfer.curl.multiSetLong(made, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
            engine = (transfer.curl, made)
            wakePipe = pipe
            commands.append(command)
            return .start
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

    /// Empties the wake pipe (the loop's thread, before it takes the commands).
    private static func drain(_ fileDescriptor: Int32) {
        var bytes = [UInt8](repeating: 0, count: 64)
        while bytes.withUnsafeMutableBytes({ read(fileDescriptor, $0.baseAddress, $0.count) }) == 64 {}
    }

    /// An easy handle for a new transfer: a spare one, else a new one (nil if curl cannot make one).
    func takeHandle(_ curl: LibCurl) -> UnsafeMutableRawPointer? {
        lock.withLock { spareHandles.popLast() } ?? curl.easyInit()
    }

    /// Keeps an ended transfer's handle for the next one, reset (the loop's thread; once out of
    /// the multi handle), or frees it.
    private func recycle(_ handle: UnsafeMutableRawPointer, _ curl: LibCurl) {
        curl.easyReset(handle)
        let kept = lock.withLock { () -> Bool in
            guard !stopped, spareHandles.count < Self.maxSpareHandles else { return false }
            spareHandles.append(handle)
            return true
        }
        if !kept { curl.easyCleanup(handle) }
    }

    private func run() {
        guard let (curl, multi) = lock.withLock({ engine }), let wakeRead = lock.withLock({ wakePipe?.read }) else { return }
        var wake = curl_waitfd(fd: wakeRead, events: Int16(CURL_WAIT_POLLIN), revents: 0)
        var running: Int32 = 0
        let tick = Int32(max(10, min(250, TransportPolicy.seconds(min(connectTimeout, readTimeout)) * 1000 / 4)))
        while true {
            let pending = lock.withLock { () -> [Command] in
                defer { commands = [] }
                return commands
            }
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
                    return
                }
            }
            _ = curl.multiPerform(multi, &running)
            var left: Int32 = 0
            while let message = curl.multiInfoRead(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                    let transfer = transfers[handle]
                else { continue }
                end(transfer, message.pointee.data.result, curl, multi)
            }
            let now = ContinuousClock.now
            var overdue: [(CurlTransfer, String)] = []  // ended after the walk, which they change
            for transfer in transfers.values {
                if let reason = transfer.overdue(now: now, connectTimeout: connectTimeout, readTimeout: readTimeout) {
                    overdue.append((transfer, reason))
                }
            }
            for (transfer, reason) in overdue {
                end(transfer, CURLE_OPERATION_TIMEDOUT, curl, multi, timedOut: reason)
            }
            wake.revents = 0
            _ = curl.multiPoll(multi, &wake, 1, transfers.isEmpty ? 60_000 : tick, nil)
            if wake.revents != 0 { Self.drain(wakeRead) }
        }
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
