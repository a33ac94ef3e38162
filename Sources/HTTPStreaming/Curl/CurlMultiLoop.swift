import CCurl
import Foundation

/// The thread that drives one curl multi handle: it adds, cancels and resumes transfers when
/// asked (curl handles are not thread-safe, so only this thread touches them), runs curl,
/// finishes transfers that are done, and ends those that are overdue (the watchdog).
final class CurlMultiLoop: @unchecked Sendable {
    // @unchecked: `commands`, `started` and `stopped` are guarded by `lock`; `transfers` and
    // `multi`'s use belong to the loop's thread.
    enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
        case shutdown
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    private let lock = NSLock()
    private let multi: UnsafeMutableRawPointer
    private let connectTimeout: Duration
    private let readTimeout: Duration
    private var commands: [Command] = []
    private var started = false
    private var stopped = false
    private var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(connectTimeout: Duration, readTimeout: Duration, maxConnectionsPerHost: Int) {
        _ = Self.globalInit
        multi = curl_multi_init()
        assistd_curl_multi_set_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// Hands a command to the loop's thread (started on first use) and wakes it. After
    /// `shutdown`, a new transfer fails at once and other commands are dropped.
    func post(_ command: Command) {
        enum Outcome { case posted, start, refused }
        let outcome = lock.withLock { () -> Outcome in
            guard !stopped else { return .refused }
            if case .shutdown = command { stopped = true }
            commands.append(command)
            // Under the lock: the loop frees the multi handle under it too, once stopped.
            curl_multi_wakeup(multi)
            defer { started = true }
            return started ? .posted : .start
        }
        switch outcome {
        case .start:
            let thread = Thread { [self] in run() }
            thread.name = "http.curl"
            thread.stackSize = 512 << 10
            thread.start()
        case .refused:
            if case .add(let transfer) = command {
                transfer.markCancelled()
                transfer.finish(CURLE_ABORTED_BY_CALLBACK)
                transfer.release()
            }
        case .posted:
            break
        }
    }

    private func run() {
        var running: Int32 = 0
        let tick = Int32(max(10, min(250, HTTPTransport.seconds(min(connectTimeout, readTimeout)) * 1000 / 4)))
        while true {
            let pending = lock.withLock { () -> [Command] in
                defer { commands = [] }
                return commands
            }
            for command in pending {
                switch command {
                case .add(let transfer):
                    transfers[transfer.handle] = transfer
                    curl_multi_add_handle(multi, transfer.handle)
                case .cancel(let transfer):
                    end(transfer, CURLE_ABORTED_BY_CALLBACK)
                case .resume(let transfer):
                    guard transfers[transfer.handle] != nil else { continue }
                    transfer.noteResumed()
                    curl_easy_pause(transfer.handle, CURLPAUSE_CONT)
                case .shutdown:
                    for transfer in Array(transfers.values) {
                        transfer.markCancelled()
                        end(transfer, CURLE_ABORTED_BY_CALLBACK)
                    }
                    lock.withLock { _ = curl_multi_cleanup(multi) }
                    return
                }
            }
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                    let transfer = transfers[handle]
                else { continue }
                end(transfer, message.pointee.data.result)
            }
            let now = ContinuousClock.now
            for transfer in Array(transfers.values) {
                if let reason = transfer.overdue(now: now, connectTimeout: connectTimeout, readTimeout: readTimeout) {
                    end(transfer, CURLE_OPERATION_TIMEDOUT, timedOut: reason)
                }
            }
            curl_multi_poll(multi, nil, 0, transfers.isEmpty ? 60_000 : tick, nil)
        }
    }

    /// Takes the transfer out of curl, frees it and tells its waiters how it ended.
    private func end(_ transfer: CurlTransfer, _ code: CURLcode, timedOut: String? = nil) {
        guard transfers.removeValue(forKey: transfer.handle) != nil else { return }
        curl_multi_remove_handle(multi, transfer.handle)
        transfer.finish(code, timedOut: timedOut)
        transfer.release()
    }
}
