import Foundation
import JSONCore
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs `fake_openai_server.py`, a FAKE OpenAI-compatible server that answers with scripted
/// responses and logs what it was sent, as a subprocess. Its stdin is a pipe we hold: when the
/// test process goes away, the fake sees EOF and exits.
final class FakeOpenAIServerProcess: @unchecked Sendable {
    let port: Int
    private let process: Process
    private let stdinPipe = Pipe()
    private let control: URLSession

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/v1")! }

    init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("fake_openai_server.py")
        let stdoutPipe = Pipe()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        try process.run()

        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let more = stdoutPipe.fileHandleForReading.availableData
            if more.isEmpty { break }
            line.append(more)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw FakeServerError("the fake server did not print its port (got \(String(decoding: line, as: UTF8.self)))")
        }
        self.port = port
        control = URLSession(configuration: .ephemeral)
    }

    func stop() {
        try? stdinPipe.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Queues responses for the next chat requests (see the script format in the .py file).
    func script(_ responses: [JSONValue]) async throws {
        _ = try await call("POST", "/__control__/script", body: ["responses": .array(responses)])
    }

    /// Opens the gate a `{"gate": true}` stream item waits on.
    func release() async throws {
        _ = try await call("POST", "/__control__/release", body: [:])
    }

    /// Every chat request received so far: method, path, headers (lower-cased), body, client_port,
    /// disconnected, gate_timed_out.
    func requests() async throws -> [JSONValue] {
        try await call("GET", "/__control__/requests", body: nil)["requests"]?.arrayValue ?? []
    }

    private func call(_ method: String, _ path: String, body: JSONValue?) async throws -> JSONValue {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.serialized())
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, _) = try await control.data(for: request)
        return try JSONValue.parse([UInt8](data))
    }
}

struct FakeServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
