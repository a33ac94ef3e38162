import Foundation
import JSONCore

/// The client's framing of a session with the binary.
enum ClientFraming: String, CaseIterable {
    case lsp, ndjson
}

/// A running assistd driven over pipes. Output is read by a reader written independently of the
/// server's own framing code and strict about what assistd promises to write: LSP frames exactly
/// `Content-Length: N\r\n\r\n` + N bytes; NDJSON lines ending in a bare `\n`.
final class AssistdProcess: @unchecked Sendable {
    let framing: ClientFraming
    private let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let condition = NSCondition()
    private var messages: [JSONValue] = []
    private var outputEnded = false
    private var stderrBytes: [UInt8] = []
    private var problems: [String] = []
    private var stdinClosed = false

    /// - Parameter environment: the child's whole environment when given (else this process's).
    init(framing: ClientFraming, arguments: [String] = [], environment: [String: String]? = nil) throws {
        self.framing = framing
        process.executableURL = URL(fileURLWithPath: try AssistdBinary.path())
        if let environment { process.environment = environment }
        // Never the user's data dir: in memory unless the test names a directory.
        process.arguments = arguments.contains("--data-dir") ? arguments : ["--ephemeral"] + arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
        let stdout = stdoutPipe.fileHandleForReading.fileDescriptor
        let stderr = stderrPipe.fileHandleForReading.fileDescriptor
        Thread.detachNewThread { [self] in readOutput(stdout) }
        Thread.detachNewThread { [self] in readStderr(stderr) }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    var pid: Int32 { process.processIdentifier }

    /// Ends the process at once, as a crash would (SIGKILL: nothing is cleaned up), and reaps it.
    func killHard() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    // MARK: Sending

    func write(raw bytes: [UInt8]) {
        guard !stdinClosed else { return }
        stdinPipe.fileHandleForWriting.write(Data(bytes))
    }

    func send(body: [UInt8]) {
        switch framing {
        case .lsp: write(raw: Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body)
        case .ndjson: write(raw: body + [UInt8(ascii: "\n")])
        }
    }

    func send(_ message: JSONValue) { send(body: message.serialized()) }

    func closeStdin() {
        guard !stdinClosed else { return }
        stdinClosed = true
        try? stdinPipe.fileHandleForWriting.close()
    }

    // MARK: Receiving

    /// The next message, or nil if none arrives within the limit (a hang guard, not a timing check).
    func next(within seconds: TimeInterval = 20) -> JSONValue? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while messages.isEmpty && !outputEnded {
            if !condition.wait(until: deadline) { break }
        }
        return messages.isEmpty ? nil : messages.removeFirst()
    }

    /// Waits for the process to end (closing stdin first is up to the caller). Nil if it did not.
    func waitForExit(within seconds: TimeInterval = 20) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Messages received after everything else was taken (read once output has ended).
    func remainingMessages() -> [JSONValue] {
        let deadline = Date(timeIntervalSinceNow: 20)
        condition.lock()
        defer { condition.unlock() }
        while !outputEnded && condition.wait(until: deadline) {}
        defer { messages = [] }
        return messages
    }

    var stderrText: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: stderrBytes, as: UTF8.self)
    }

    /// Deviations from the promised output format (none expected).
    var outputProblems: [String] {
        condition.lock()
        defer { condition.unlock() }
        return problems
    }

    // MARK: Reading

    private func readOutput(_ fd: Int32) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending += chunk[0..<count]
            while let (body, used) = nextFrame(pending) {
                pending.removeFirst(used)
                deliver(body)
            }
        }
        condition.lock()
        if !pending.isEmpty { problems.append("output ended inside a frame: \(String(decoding: pending.prefix(200), as: UTF8.self))") }
        outputEnded = true
        condition.broadcast()
        condition.unlock()
    }

    /// One complete frame at the start of `bytes`: (body, bytes used), or nil when more is needed.
    private func nextFrame(_ bytes: [UInt8]) -> ([UInt8], Int)? {
        switch framing {
        case .ndjson:
            guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            let line = Array(bytes[..<newline])
            if line.last == UInt8(ascii: "\r") { note("a line ended with \\r\\n") }
            return (line, newline + 1)
        case .lsp:
            let prefix = Array("Content-Length: ".utf8)
            let available = min(prefix.count, bytes.count)
            if Array(bytes[..<available]) != Array(prefix[..<available]) {
                note("a frame did not start with 'Content-Length: ': \(String(decoding: bytes.prefix(40), as: UTF8.self))")
                return ([], bytes.count)
            }
            guard let terminator = find(Array("\r\n\r\n".utf8), in: bytes) else { return nil }
            let digits = bytes[prefix.count..<terminator]
            guard !digits.isEmpty, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int(String(decoding: digits, as: UTF8.self)) else {
                note("bad header: \(String(decoding: bytes[..<terminator], as: UTF8.self))")
                return ([], terminator + 4)
            }
            let start = terminator + 4
            guard bytes.count >= start + length else { return nil }
            return (Array(bytes[start..<start + length]), start + length)
        }
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<index + needle.count]) == needle { return index }
        }
        return nil
    }

    private func deliver(_ body: [UInt8]) {
        guard !body.isEmpty else { return }
        do {
            let message = try JSONValue.parse(body)
            condition.lock()
            messages.append(message)
            condition.broadcast()
            condition.unlock()
        } catch {
            note("invalid JSON on stdout (\(error)): \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
    }

    private func note(_ problem: String) {
        condition.lock()
        problems.append(problem)
        condition.unlock()
    }

    private func readStderr(_ fd: Int32) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            condition.lock()
            stderrBytes += chunk[0..<count]
            condition.unlock()
        }
    }
}
