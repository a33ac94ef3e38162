import Foundation

/// Keeps stdout for protocol bytes only.
public enum StandardOutputGuard {
    /// Returns a private duplicate of fd 1 for the protocol and points fd 1 at stderr, so a stray
    /// `print` (ours or a library's) lands in the log instead of corrupting the stream.
    public static func takeProtocolOutput(standardOutput: Int32 = 1, standardError: Int32 = 2) throws -> Int32 {
        fflush(nil)  // all C streams: nothing buffered for fd 1 may land after the switch
        let duplicate = fcntl(standardOutput, F_DUPFD_CLOEXEC, 3)
        guard duplicate >= 0 else { throw GuardError(step: "dup(stdout)", errno: errno) }
        guard dup2(standardError, standardOutput) >= 0 else { throw GuardError(step: "dup2(stderr, stdout)", errno: errno) }
        return duplicate
    }

    /// A closed pipe must surface as a write error (EPIPE), not kill the process.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    public struct GuardError: Error, CustomStringConvertible {
        public let step: String
        public let errno: Int32
        public var description: String { "\(step) failed: \(String(cString: strerror(errno)))" }
    }
}
