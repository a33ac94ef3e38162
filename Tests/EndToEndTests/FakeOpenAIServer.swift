import Foundation
import JSONCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The FAKE OpenAI-compatible server of the LocalEngine tests
/// (`Tests/LocalEngineTests/FakeOpenAIServer/fake_openai_server.py`: scripted answers, no model,
/// every request body recorded), run as a subprocess for assistd's `--model-url`. Its stdin is a
/// pipe we hold, so it exits with the test process.
final class FakeOpenAIServer: @unchecked Sendable {
    let port: Int
    private let process = Process()
    private let stdinPipe = Pipe()
    private let session = URLSession(configuration: .ephemeral)

    var modelURL: String { "http://127.0.0.1:\(port)/v1" }

    init() throws {
        let script = AssistdBinary.repositoryRoot
            .appendingPathComponent("Tests/LocalEngineTests/FakeOpenAIServer/fake_openai_server.py")
        let stdoutPipe = Pipe()
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
            throw RunsClient.Hang(what: "port from the fake OpenAI server", stderr: String(decoding: line, as: UTF8.self))
        }
        self.port = port
    }

    deinit {
        try? stdinPipe.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
    }

    /// Queues answers for the next chat requests (format in the .py file).
    func script(_ responses: [JSONValue]) async throws {
        _ = try await call("POST", "/__control__/script", body: ["responses": .array(responses)])
    }

    /// The bodies of the chat requests received so far, in order.
    func requestBodies() async throws -> [JSONValue] {
        let requests = try await call("GET", "/__control__/requests", body: nil)["requests"]?.arrayValue ?? []
        return requests.compactMap { $0["body"] }
    }

    private func call(_ method: String, _ path: String, body: JSONValue?) async throws -> JSONValue {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.serialized())
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, _) = try await session.data(for: request)
        return try JSONValue.parse([UInt8](data))
    }
}
