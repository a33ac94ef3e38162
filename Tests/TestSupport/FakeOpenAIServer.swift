import Foundation
import JSONCore

/// Tests/Fakes/fake_openai_server.py, a FAKE OpenAI-compatible chat server: scripted answers,
/// no model, every request recorded (the script format is in the .py file).
public final class FakeOpenAIServer: FakeServerProcess, @unchecked Sendable {
    public init() throws {
        try super.init(script: "fake_openai_server.py")
    }

    public var baseURL: URL { URL(string: modelURL)! }
    /// For assistd's `--model-url`.
    public var modelURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Queues answers for the next chat requests.
    public func script(_ responses: [JSONValue]) async throws {
        try await control("script", ["responses": .array(responses)])
    }

    /// Opens the gate a `{"gate": true}` stream item waits on.
    public func release() async throws {
        try await control("release", [:])
    }

    /// Every chat request so far: method, path, headers (lower-cased), body, client_port,
    /// disconnected, gate_timed_out.
    public func requests() async throws -> [JSONValue] {
        try await control("requests")["requests"]?.arrayValue ?? []
    }

    /// The bodies of the chat requests so far, in order.
    public func requestBodies() async throws -> [JSONValue] {
        try await requests().compactMap { $0["body"] }
    }
}
