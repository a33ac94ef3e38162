import AssistdSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a server's stderr on a thread of its own until it closes: each line goes to assistd's
/// log (never to stdout), and the last few are kept to explain an unexpected exit. Reading it
/// all the time also means a chatty server never blocks on a full pipe.
final class StderrDrain: Sendable {
    static let keptLines = 8
    static let maxLineBytes = 2048

    private let tail = Locked<[String]>([])
    private let ended = Locked(false)

    /// The server's stderr reached its end.
    var hasEnded: Bool { ended.current }

    /// What the server last wrote to stderr, oldest first.
    var lastLines: [String] { tail.current }

    /// Starts reading `fileDescriptor`; closes it at end of file.
    init(fileDescriptor: Int32, logger: Logger) {
        let thread = Thread { [self] in
            drain(fileDescriptor, logger: logger)
            _ = close(fileDescriptor)
            ended.withLock { $0 = true }
        }
        thread.name = "mcp.stderr"
        thread.stackSize = 128 << 10
        thread.start()
    }

    private func drain(_ fileDescriptor: Int32, logger: Logger) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            for byte in chunk[0..<count] {
                if byte == UInt8(ascii: "\n") {
                    emit(pending, logger: logger)
                    pending.removeAll(keepingCapacity: true)
                } else if pending.count < Self.maxLineBytes {
                    pending.append(byte)
                }
            }
        }
        if !pending.isEmpty { emit(pending, logger: logger) }
    }

    private func emit(_ bytes: [UInt8], logger: Logger) {
        var line = String(decoding: bytes, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        guard !line.isEmpty else { return }
        logger.info("stderr: \(line)")
        tail.withLock { lines in
            lines.append(KnownSecrets.scrub(line))
            if lines.count > Self.keptLines { lines.removeFirst(lines.count - Self.keptLines) }
        }
    }
}
