import AssistdSupport
import Foundation
import JSONCore

/// `--trace FILE`: every message in and out as a JSON line `{"ts": ms, "dir": "in"|"out", "message": …}`.
/// Input that is not JSON is recorded as `"raw"` text instead of `"message"`.
/// Every message passes through `redact` first (the caller's rule: fields by name and the
/// process's known secret values), so secrets never reach the file; the file is mode 0600.
public final class MessageTrace: Sendable {
    public enum Direction: String, Sendable { case incoming = "in", outgoing = "out" }

    private let fileDescriptor: Int32
    private let redact: @Sendable (JSONValue) -> JSONValue
    private let queue = DispatchQueue(label: "jsonrpc.trace")

    /// Opens (creating or truncating) the trace file.
    public init(path: String, redact: @escaping @Sendable (JSONValue) -> JSONValue = { $0 }) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw TraceFileError(path: path, reason: String(cString: strerror(errno)))
        }
        // An existing file keeps its mode through O_CREAT: make it private as a new one is.
        _ = fchmod(fd, 0o600)
        self.fileDescriptor = fd
        self.redact = redact
    }

    public func record(_ direction: Direction, message: JSONValue) {
        let entry: JSONValue = ["ts": .int(Self.now()), "dir": .string(direction.rawValue), "message": redact(message)]
        append(entry)
    }

    public func record(_ direction: Direction, unparsed bytes: [UInt8]) {
        let text = KnownSecrets.scrub(String(decoding: bytes.prefix(64 * 1024), as: UTF8.self))
        append(["ts": .int(Self.now()), "dir": .string(direction.rawValue), "raw": .string(text)])
    }

    /// Waits until every recorded line is written.
    public func flush() {
        queue.sync {}
    }

    private func append(_ entry: JSONValue) {
        let line = entry.serialized() + [UInt8(ascii: "\n")]
        queue.async { [fileDescriptor] in writeAll(fileDescriptor, line) }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

public struct TraceFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot open trace file \(path): \(reason)" }
}
