import Foundation
import JSONCore

/// A running `assistd` child driven over pipes with newline-delimited JSON: the benchmark's
/// client, so bridge timings include framing, dispatch, JSON and the pipes, as a real client sees them.
final class AssistdPipe {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer: [UInt8] = []
    private var nextID: Int64 = 1

    init(binary: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--framing", "ndjson", "--log-level", "error"] + arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        _ = try call("initialize", ["clientInfo": ["name": "store-benchmark"]])
    }

    /// Sends a request and reads until its response; returns the result (or throws the error).
    func call(_ method: String, _ params: JSONValue) throws -> JSONValue {
        let id = nextID
        nextID += 1
        var line = JSONValue.object(["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": params]).serialized()
        line.append(0x0A)
        input.fileHandleForWriting.write(Data(line))
        while true {
            let message = try readMessage()
            guard message["id"] == .int(id) else { continue }
            if let error = message["error"] { throw NSError(domain: "assistd", code: 1, userInfo: [NSLocalizedDescriptionKey: error.serializedString()]) }
            return message["result"] ?? .null
        }
    }

    private func readMessage() throws -> JSONValue {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return try JSONValue.parse(line)
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw NSError(domain: "assistd", code: 2, userInfo: [NSLocalizedDescriptionKey: "assistd closed its output"]) }
            buffer.append(contentsOf: chunk)
        }
    }

    func close() {
        _ = try? call("shutdown", .null)
        input.fileHandleForWriting.write(Data("{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}\n".utf8))
        process.waitUntilExit()
    }
}
