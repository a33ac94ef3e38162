import Foundation
import JSONCore

/// assistd on NDJSON pipes that the test reads only when it chooses to: for a client that stops
/// reading (`AssistdProcess` reads all the time).
final class PipedAssistd: @unchecked Sendable {
    let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    private var pending: [UInt8] = []

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: try AssistdBinary.path())
        process.arguments = ["--ephemeral", "--framing", "ndjson"] + arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var pid: Int32 { process.processIdentifier }

    func send(_ message: JSONValue) {
        stdinPipe.fileHandleForWriting.write(Data(message.serialized() + [UInt8(ascii: "\n")]))
    }

    func request(_ id: Int64, _ method: String, _ params: JSONValue) {
        send(["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": params])
    }

    func closeStdin() { try? stdinPipe.fileHandleForWriting.close() }

    /// The next message (blocking read); nil at end of output.
    func next() -> JSONValue? {
        let fd = stdoutPipe.fileHandleForReading.fileDescriptor
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeFirst(newline + 1)
                return try? JSONValue.parse(line)
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return nil }
            pending += chunk[0..<count]
        }
    }

    /// Reads until the response to `id`, handing every other message to `other`.
    func response(to id: Int64, other: (JSONValue) -> Void = { _ in }) -> JSONValue? {
        while let message = next() {
            if message["method"] == nil, message["id"] == .int(id) { return message }
            other(message)
        }
        return nil
    }

    /// Waits for the exit; nil if still running after `seconds`.
    func waitForExit(within seconds: TimeInterval) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        if process.isRunning { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
