import Foundation
import JSONCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs Tests/DashScopeTests/FakeDashScope/fake_dashscope_server.py (a FAKE of the hosted
/// service, for tests; the DashScopeTests drive the same script) on a free port, and drives
/// its test controls synchronously (the end-to-end tests block on pipes, not on tasks).
final class FakeDashScopeProcess: @unchecked Sendable {
    /// Shaped like a real key, so the secrecy tests have something distinctive to look for.
    static let apiKey = "sk-e2e-5b1d9c07a3f24e68SECRET"
    static let directory = AssistdBinary.repositoryRoot.appendingPathComponent("Tests/DashScopeTests/FakeDashScope")

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    let port: Int

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Self.directory.appendingPathComponent("fake_dashscope_server.py").path,
            "--api-key", Self.apiKey, "--exit-on-stdin-eof",
        ]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw FakeError(message: "the fake DashScope server did not print its port (is python3 installed?)")
        }
        self.port = port
    }

    deinit { stop() }

    var baseURL: String { "http://127.0.0.1:\(port)/api/v1" }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.waitUntilExit() }
    }

    struct FakeError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    // MARK: controls

    @discardableResult
    func control(_ command: String, _ body: JSONValue? = nil) throws -> JSONValue {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/__control__/\(command)")!)
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.serialized())
        }
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        URLSession.shared.dataTask(with: request) { data, _, error in
            outcome.set(data, error)
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 30) == .success else { throw FakeError(message: "control \(command) got no answer") }
        let (data, error) = outcome.get()
        if let error { throw error }
        return try JSONValue.parse(data ?? Data())
    }

    func knobs(_ knobs: JSONValue) throws { try control("knobs", knobs) }

    /// Answers the next matching requests with an error (see the fake's docstring for the fields).
    func fail(_ rule: JSONValue) throws { try control("fail", rule) }

    func reset() throws { try control("reset", [:]) }

    /// The requests the fake saw since the last reset: `{method, path, query, headers, body_text, body}`.
    func requests() throws -> [JSONValue] {
        try control("requests")["requests"]?.arrayValue ?? []
    }

    /// The requests as `VERB /api/v1/path` lines, for compact assertions.
    func requestLines() throws -> [String] {
        try requests().map { "\($0["method"]?.stringValue ?? "?") \($0["path"]?.stringValue ?? "?")" }
    }

    func stats() throws -> JSONValue { try control("stats") }

    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var data: Data?
        private var error: (any Error)?
        func set(_ data: Data?, _ error: (any Error)?) { lock.withLock { (self.data, self.error) = (data, error) } }
        func get() -> (Data?, (any Error)?) { lock.withLock { (data, error) } }
    }
}
