import Foundation
import JSONCore

/// The assistd binary driven over pipes with newline-delimited JSON-RPC, as an editor or a
/// script would: one request at a time, blocking reads. Notifications are counted by a byte
/// search, not parsed, so the client's own cost stays small next to assistd's.
final class AssistdPipeClient {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer: [UInt8] = []
    private var start = 0
    private var nextID: Int64 = 1
    private static let eventMarker = Array(#""runs/event""#.utf8)

    /// `--assistd PATH`, else `assistd` next to this executable (SwiftPM builds both into one directory).
    static func locate(arguments: [String]) -> String? {
        if let index = arguments.firstIndex(of: "--assistd"), index + 1 < arguments.count { return arguments[index + 1] }
        let sibling = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("assistd").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : nil
    }

    init(path: String, baseURL: String, apiKey: String) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--backend", "dashscope", "--base-url", baseURL, "--framing", "ndjson", "--log-level", "warning"]
        var environment = ProcessInfo.processInfo.environment
        environment["DASHSCOPE_API_KEY"] = apiKey
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let reply = try call("initialize", ["clientInfo": ["name": "DashScopeBenchmark"]])
        guard reply["result"]?["backend"]?["name"] == "dashscope" else { throw ClientError(message: "initialize failed: \(reply)") }
        send(["jsonrpc": "2.0", "method": "initialized", "params": [:]])
    }

    struct ClientError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    func send(_ message: JSONValue) {
        input.fileHandleForWriting.write(Data(message.serialized() + [UInt8(ascii: "\n")]))
    }

    /// Sends a request and returns its response; `onEvent` runs once per `runs/event` line before it.
    func call(_ method: String, _ params: JSONValue, onEvent: () -> Void = {}) throws -> JSONValue {
        let id = nextID
        nextID += 1
        send(["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": params])
        while let line = try nextLine() {
            if contains(line, Self.eventMarker) {
                onEvent()
                continue
            }
            let message = try JSONValue.parse(Array(line))
            if message["id"]?.intValue == id { return message }
        }
        throw ClientError(message: "assistd closed its output before answering \(method)")
    }

    func finish() {
        _ = try? call("shutdown", .null)
        send(["jsonrpc": "2.0", "method": "exit"])
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    // MARK: reading

    private func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[start..<newline]
                start = newline + 1
                return line
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(output.fileHandleForReading.fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
        }
    }

    private func contains(_ line: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        line.withUnsafeBufferPointer { haystack in
            guard haystack.count >= needle.count, let first = needle.first else { return false }
            var index = 0
            while index <= haystack.count - needle.count {
                if haystack[index] == first {
                    var offset = 1
                    while offset < needle.count && haystack[index + offset] == needle[offset] { offset += 1 }
                    if offset == needle.count { return true }
                }
                index += 1
            }
            return false
        }
    }
}
