import AssistantAPI
import AssistdSupport
import Bridge
import Foundation
import HTTPStreaming
import JSONCore
import JSONRPC
import LocalEngine

/// Wires the process: protected stdout, logging, trace, the connection and the bridge.
enum Server {
    /// How long the process may take to exit once stdin ends or `exit` arrives (the protocol promises one second).
    static let exitGrace: DispatchTimeInterval = .milliseconds(700)

    static func run(_ options: CommandLineOptions) -> Never {
        StandardOutputGuard.ignoreSIGPIPE()
        let protocolOutput: Int32
        do {
            protocolOutput = try StandardOutputGuard.takeProtocolOutput()
        } catch {
            fail("cannot set up stdout: \(error)")
        }
        let logger = makeLogger(options)
        var trace: MessageTrace?
        if let path = options.tracePath {
            do {
                trace = try MessageTrace(path: path, redact: SecretRedaction.redact)
            } catch {
                fail("\(error)")
            }
        }
        let connection = Connection(
            input: STDIN_FILENO, output: protocolOutput,
            options: ConnectionOptions(
                framing: options.framing, maxMessageBytes: options.maxMessageBytes, logger: logger, trace: trace,
                stalledPeerLimit: .seconds(options.stalledClientTimeoutSeconds),
                // The hosted backend's reads started on the read thread are performed there.
                inputWait: InputWait(untilReadable: InputThreadTransfers.waitUntilReadable, finish: InputThreadTransfers.finishCalls)))
        let exit = ProcessExit(connection: connection, logger: logger, grace: exitGrace)

        let server: BridgeServer
        var backendInfo: JSONObject = [:]
        do {
            server = try ServerAssembly.makeBridge(
                options: options, logger: logger, onExit: { code in exit.now(code: code) }, onBackend: { backendInfo = $0 },
                onBackends: { exit.stopsOnExit($0) })
        } catch let error as UsageError {
            fail(error.message)
        } catch {
            fail("\(error)")
        }
        logger.info("assistd \(AssistdVersion.current) serving on stdio (framing \(options.framing.rawValue)): "
            + BackendSummary.describe(backendInfo))
        connection.start(dispatcher: server) {
            logger.info("stdin closed")
            exit.now(code: server.exitCode)
        }
        MainThreadPark.forever()
    }

    /// - Parameter defaultLevel: the level when `--log-level` is not given (`info` when serving;
    ///   the one-shot commands keep stderr for what went wrong).
    static func makeLogger(_ options: CommandLineOptions, defaultLevel: LogLevel = .info) -> Logger {
        let level = options.logLevel ?? defaultLevel
        guard let path = options.logFile else {
            return Logger(fileDescriptor: STDERR_FILENO, minimumLevel: level)
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fail("cannot open log file \(path): \(String(cString: strerror(errno)))") }
        // Logs name objects and errors: private, as the data directory is, even if the file existed.
        _ = fchmod(fd, 0o600)
        return Logger(fileDescriptor: fd, minimumLevel: level)
    }

    static func fail(_ message: String) -> Never {
        Output.err("assistd: \(message)\n")
        Foundation.exit(1)
    }
}

/// Ends the process once: stops the backend's runs, cancels in-flight work, lets answers drain
/// within the grace period, exits.
final class ProcessExit: Sendable {
    private let connection: Connection
    private let logger: Logger
    private let grace: DispatchTimeInterval
    private let started = Locked(false)
    private let backends = Locked<BackendSlot?>(nil)

    /// The backends whose runs stop before the process exits.
    func stopsOnExit(_ backends: BackendSlot) {
        self.backends.withLock { $0 = backends }
    }

    init(connection: Connection, logger: Logger, grace: DispatchTimeInterval) {
        self.connection = connection
        self.logger = logger
        self.grace = grace
    }

    func now(code: Int32) {
        let first = started.withLock { started -> Bool in
            defer { started = true }
            return !started
        }
        guard first else { return }
        // Whatever closing waits for, the process is gone within the protocol's second.
        let hardDeadline = Thread {
            Thread.sleep(forTimeInterval: 0.9)
            _exit(code)
        }
        hardDeadline.stackSize = 64 << 10
        hardDeadline.start()
        let closeDeadline = DispatchTime.now() + grace
        stopBackend()
        connection.close(deadline: closeDeadline)
        logger.flush()
        exit(code)
    }

    /// A clean end: the local backend cancels the runs it executes rather than leaving them to
    /// restart recovery (which fails them); one write per run, so the exit stays within the
    /// second. Requests still in flight keep their store and transport until the process exits.
    private func stopBackend() {
        (backends.withLock({ $0 })?.current as? LocalBackend)?.stopRuns()
    }
}
