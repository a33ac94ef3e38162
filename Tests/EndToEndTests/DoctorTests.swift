import Foundation
import TestSupport
import XCTest

/// `assistd doctor` through the binary: what a default run would use and whether it works;
/// non-zero when something it needs is missing; an API key reported by source, never by value.
final class DoctorTests: XCTestCase {
    var dataHome = ""

    override func setUpWithError() throws { dataHome = try CommandRunner.makeDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dataHome) }

    func doctor(_ arguments: [String] = [], extra: [String: String?] = [:]) throws -> CommandResult {
        let result = try CommandRunner.run(
            try AssistdBinary.path(), ["doctor"] + arguments, environment: ModelFixture.environment(dataHome: dataHome, extra: extra))
        XCTAssertFalse(result.killedAfterHanging, "assistd doctor hung: \(result.stdout)")
        return result
    }

    func line(_ subject: String, in result: CommandResult) throws -> String {
        try XCTUnwrap(result.stdoutLines.first { $0.dropFirst(6).hasPrefix(subject + ": ") }, "no \(subject) line in \(result.stdout)")
    }

    func testWithTheModelEverythingADefaultRunNeedsIsThere() throws {
        let model = try ModelFixture.realModel()
        let result = try doctor(extra: ["ASSISTD_GGUF": model])
        XCTAssertEqual(result.status, 0, result.stdout)
        XCTAssertTrue(try line("version", in: result).contains("assistd "), result.stdout)
        XCTAssertEqual(try line("backend", in: result), "ok    backend: local (the default: DASHSCOPE_API_KEY is not set)")
        let modelLine = try line("model", in: result)
        XCTAssertTrue(modelLine.hasPrefix("ok    model: embedded \(model) (chosen by ASSISTD_GGUF); loads: yes"), modelLine)
        XCTAssertEqual(try line("data dir", in: result), "ok    data dir: \(dataHome)/assistd (not created yet; the first run creates it)")
        XCTAssertTrue(try line("API key", in: result).hasPrefix("--    API key: not set"), result.stdout)
        XCTAssertEqual(result.stdoutLines.last, "doctor: a run with these settings has what it needs")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dataHome + "/assistd"), "doctor creates nothing")
    }

    func testWithoutTheModelItFails() throws {
        try FileManager.default.createDirectory(atPath: dataHome + "/assistd", withIntermediateDirectories: true)
        let result = try doctor()
        XCTAssertEqual(result.status, 1, result.stdout)
        let modelLine = try line("model", in: result)
        XCTAssertTrue(modelLine.hasPrefix("FAIL  model: the embedded model (Qwen2.5-Coder-0.5B-Instruct or SmolLM2-135M-Instruct) is not installed"), modelLine)
        XCTAssertTrue(modelLine.contains("assistd model install"), modelLine)
        XCTAssertTrue(try line("data dir", in: result).hasPrefix("ok    data dir: \(dataHome)/assistd (mode 0"), result.stdout)
        XCTAssertEqual(result.stdoutLines.last, "doctor: 1 problem (model)")

        let unreadable = try doctor(extra: ["ASSISTD_GGUF": dataHome + "/missing.gguf"])
        XCTAssertEqual(unreadable.status, 1)
        XCTAssertTrue(try line("model", in: unreadable).contains("given with ASSISTD_GGUF cannot be read"), unreadable.stdout)
    }

    func testAKeyIsReportedPresentButNeverPrinted() throws {
        let fake = try FakeDashScopeServer()
        defer { fake.stop() }
        let secret = FakeDashScopeServer.apiKey
        let reachable = try doctor(extra: ["DASHSCOPE_API_KEY": secret, "DASHSCOPE_HTTP_BASE_URL": fake.baseURL])
        XCTAssertEqual(reachable.status, 0, reachable.stdout)
        XCTAssertEqual(try line("backend", in: reachable), "ok    backend: dashscope (DASHSCOPE_API_KEY is set)")
        XCTAssertEqual(try line("API key", in: reachable), "ok    API key: present (from DASHSCOPE_API_KEY; its value is never shown)")
        XCTAssertTrue(try line("hosted service", in: reachable).hasPrefix("ok    hosted service: \(fake.baseURL) reachable (HTTP "), reachable.stdout)

        // The service down: a bounded probe, a failure, and still no key.
        let port = fake.port
        fake.stop()
        let started = Date()
        let unreachable = try doctor(extra: ["DASHSCOPE_API_KEY": secret, "DASHSCOPE_HTTP_BASE_URL": "http://127.0.0.1:\(port)/api/v1"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        XCTAssertEqual(unreachable.status, 1, unreachable.stdout)
        XCTAssertTrue(try line("hosted service", in: unreachable).hasPrefix("FAIL  hosted service: http://127.0.0.1:\(port)/api/v1 unreachable"), unreachable.stdout)
        for result in [reachable, unreachable] {
            XCTAssertFalse(result.stdout.contains(secret), result.stdout)
            XCTAssertFalse(result.stderr.contains(secret), result.stderr)
            XCTAssertFalse(result.stdout.contains(String(secret.dropFirst(8).prefix(12))), "not even part of the key")
        }
    }

    func testTheHostedBackendWithoutAKeyFails() throws {
        let result = try doctor(["--backend", "dashscope"])
        XCTAssertEqual(result.status, 1, result.stdout)
        XCTAssertEqual(try line("backend", in: result), "ok    backend: dashscope (--backend)")
        XCTAssertTrue(try line("API key", in: result).hasPrefix("FAIL  API key: not set"), result.stdout)
    }
}
