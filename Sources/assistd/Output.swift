import AssistdSupport
import Foundation

/// Unbuffered writes to stdout or stderr for the one-shot commands, so streamed text shows as it
/// arrives and lines from several threads never interleave.
enum Output {
    private static let lock = Locked(())

    static func out(_ text: String) { write(text, to: STDOUT_FILENO) }
    static func err(_ text: String) { write(text, to: STDERR_FILENO) }

    static func write(_ text: String, to fd: Int32) {
        let bytes = Array(text.utf8)
        lock.withLock { _ in _ = writeAll(fd, bytes) }
    }
}
