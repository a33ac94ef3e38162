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

    /// UTC with milliseconds, `2026-12-04T19:04:00.008Z`: ISO 8601 as `ISO8601DateFormatter`
    /// writes it, composed from `gmtime_r`, because the formatter loads ICU's calendar and zone
    /// data, and the first log line made about a megabyte of it resident in every server.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return timestamp(seconds: now.tv_sec, nanoseconds: now.tv_nsec)
    }

    static func timestamp(seconds: Int, nanoseconds: Int) -> String {
        var time = seconds
        var fields = tm()
        gmtime_r(&time, &fields)
        func digits(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return digits(fields.tm_year + 1900, 4) + "-" + digits(fields.tm_mon + 1, 2) + "-" + digits(fields.tm_mday, 2)
            + "T" + digits(fields.tm_hour, 2) + ":" + digits(fields.tm_min, 2) + ":" + digits(fields.tm_sec, 2)
            + "." + digits(Int32(nanoseconds / 1_000_000), 3) + "Z"
    }
}
