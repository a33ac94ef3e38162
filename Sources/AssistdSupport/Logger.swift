import Foundation

/// Writes log lines to a file descriptor (stderr or a log file), never to the protocol stream.
/// Lines are written on a background queue; when the sink cannot keep up (a peer that never reads
/// our stderr), lines beyond a backlog are dropped rather than blocking the caller.
public struct Logger: Sendable {
    public let minimumLevel: LogLevel
    private let sink: LogSink?
    /// Put before every message: says which part of the process speaks (a child server's name).
    private var messagePrefix = ""

    /// A logger that writes nothing.
    public static let disabled = Logger(minimumLevel: .error, sink: nil)

    private init(minimumLevel: LogLevel, sink: LogSink?) {
        self.minimumLevel = minimumLevel
        self.sink = sink
    }

    public init(fileDescriptor: Int32, minimumLevel: LogLevel, label: String = "assistd") {
        self.init(minimumLevel: minimumLevel, sink: LogSink(fileDescriptor: fileDescriptor, label: label))
    }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard let sink, level >= minimumLevel else { return }
        sink.write(level: level, message: messagePrefix + message())
    }

    /// The same logger with `prefix` before every message, such as "mcp server 'files': ".
    public func prefixed(_ prefix: String) -> Logger {
        var logger = self
        logger.messagePrefix += prefix
        return logger
    }

    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }

    /// Waits (bounded) until queued lines are written; used just before the process exits.
    public func flush(timeout: DispatchTimeInterval = .milliseconds(200)) {
        sink?.flush(timeout: timeout)
    }
}

final class LogSink: Sendable {
    static let maxBacklog = 10_000

    let fileDescriptor: Int32
    let label: String
    let queue = DispatchQueue(label: "assistd.log")
    let backlog = Locked(0)

    init(fileDescriptor: Int32, label: String) {
        self.fileDescriptor = fileDescriptor
        self.label = label
    }

    func write(level: LogLevel, message: String) {
        let accepted = backlog.withLock { count -> Bool in
            guard count < Self.maxBacklog else { return false }
            count += 1
            return true
        }
        guard accepted else { return }
        let line = "\(Self.timestamp()) \(label) \(level.name): \(KnownSecrets.scrub(message))\n"
        queue.async { [self] in
            writeAll(fileDescriptor, Array(line.utf8))
            backlog.withLock { $0 -= 1 }
        }
    }

    func flush(timeout: DispatchTimeInterval) {
        let done = DispatchSemaphore(value: 0)
        queue.async { done.signal() }
        _ = done.wait(timeout: .now() + timeout)
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
