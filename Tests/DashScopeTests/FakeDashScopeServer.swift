import Foundation
import JSONCore
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs Tests/DashScopeTests/FakeDashScope/fake_dashscope_server.py (a FAKE of the hosted
/// service, for tests) as a subprocess on a free port, and drives its test controls.
final class FakeDashScopeServer: @unchecked Sendable {
    /// A key shaped like a real one, so the secrecy tests have something to look for.
    static let apiKey = "sk-test-8f3c2a91d4e7b605SECRET"
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FakeDashScope")
    static var scriptPath: String { directory.appendingPathComponent("fake_dashscope_server.py").path }

    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    let port: Int

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scriptPath, "--api-key", Self.apiKey, "--exit-on-stdin-eof"]
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
            throw NSError(domain: "FakeDashScope", code: 1, userInfo: [NSLocalizedDescriptionKey: "the fake server did not print its port (python3 missing?)"])
        }
        self.port = port
    }

    var baseURL: String { "http://127.0.0.1:\(port)/api/v1" }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    @discardableResult
    func control(_ command: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/__control__/\(command)")!)
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.serialized())
        }
        let (data, _) = try await URLSession.shared.data(for: request)
        return try JSONValue.parse(data)
    }

    func knobs(_ knobs: JSONValue) async throws { try await control("knobs", knobs) }

    func fail(_ rule: JSONValue) async throws { try await control("fail", rule) }

    /// The requests the fake saw since the last reset: `{method, path, query, headers, body_text, body, client_port}`.
    func requests() async throws -> [JSONValue] {
        try await control("requests")["requests"]?.arrayValue ?? []
    }

    func reset() async throws { try await control("reset", [:]) }
}
