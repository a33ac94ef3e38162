import JSONCore

/// Tests/Fakes/fake_dashscope_server.py, a FAKE of the hosted DashScope service: it checks the
/// key, keeps objects in memory, records every request, and fails or slows down on command
/// (see the script's docstring for the controls' fields). Controls come blocking (end-to-end
/// tests) and async (tests of the in-process backend).
public final class FakeDashScopeServer: FakeServerProcess, @unchecked Sendable {
    /// Shaped like a real key, so the secrecy tests have something distinctive to look for.
    public static let apiKey = "sk-test-8f3c2a91d4e7b605SECRET"

    /// - Parameter otherKeys: keys accepted besides `apiKey` (the secrets scan gives each source its own).
    public init(otherKeys: [String] = []) throws {
        let keys = ([Self.apiKey] + otherKeys).flatMap { ["--api-key", $0] }
        try super.init(script: "fake_dashscope_server.py", arguments: keys + ["--exit-on-stdin-eof"])
    }

    public var baseURL: String { "http://127.0.0.1:\(port)/api/v1" }

    public func knobs(_ knobs: JSONValue) throws { try control("knobs", knobs) }
    public func knobs(_ knobs: JSONValue) async throws { try await control("knobs", knobs) }

    /// Answers the next matching requests with an error.
    public func fail(_ rule: JSONValue) throws { try control("fail", rule) }
    public func fail(_ rule: JSONValue) async throws { try await control("fail", rule) }

    /// Forgets the objects and requests; ids restart.
    public func reset() throws { try control("reset", [:]) }
    public func reset() async throws { try await control("reset", [:]) }

    /// The requests seen since the last reset: `{method, path, query, headers, body_text, body, client_port}`.
    public func requests() throws -> [JSONValue] { try control("requests")["requests"]?.arrayValue ?? [] }
    public func requests() async throws -> [JSONValue] { try await control("requests")["requests"]?.arrayValue ?? [] }

    /// The requests as `VERB /api/v1/path` lines, for compact assertions.
    public func requestLines() throws -> [String] {
        try requests().map { "\($0["method"]?.stringValue ?? "?") \($0["path"]?.stringValue ?? "?")" }
    }

    public func stats() throws -> JSONValue { try control("stats") }
}
