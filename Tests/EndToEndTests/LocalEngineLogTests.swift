import Foundation
import JSONCore
import TestSupport
import XCTest

/// The local engine logs through the process's one logger: its lines go to `--log-file`, not
/// stderr, and `--log-level` decides which are written.
final class LocalEngineLogTests: XCTestCase {
    /// Serves one run with the `openai` model and returns the log file's text and stderr.
    func serveOneRun(logLevel: String) async throws -> (log: String, stderr: String, server: FakeOpenAIServer) {
        let server = try FakeOpenAIServer()
        try await server.script([["stream": [["text": "Hello."], ["finish": "stop"]]]])
        let logPath = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-log-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let client = try AssistdSession(arguments: ["--model-url", server.modelURL, "--log-file", logPath, "--log-level", logLevel])
        let assistant = try client.assistant()
        let thread = try client.thread("Hi")
        let run = try client.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistant)])
        XCTAssertEqual(try client.waitRun(thread, try XCTUnwrap(run.id)).status, "completed")
        client.process.closeStdin()
        XCTAssertNotNil(client.process.waitForExit(within: 10), "assistd did not exit when its stdin closed")
        return (try String(contentsOfFile: logPath, encoding: .utf8), client.process.stderrText, server)
    }

    func testDebugLevelWritesTheEnginesLinesToTheLogFileAndNotToStderr() async throws {
        let (log, stderr, server) = try await serveOneRun(logLevel: "debug")
        XCTAssertTrue(log.contains("info: local backend: data at :memory:"), log)
        XCTAssertTrue(log.contains("debug: openai \(server.modelURL): POST -> 200 after"), log)
        XCTAssertFalse(stderr.contains("local backend"), stderr)
        XCTAssertFalse(stderr.contains("POST ->"), stderr)
    }

    func testInfoLevelLeavesTheEnginesDebugLinesOut() async throws {
        let (log, stderr, _) = try await serveOneRun(logLevel: "info")
        XCTAssertTrue(log.contains("info: local backend: data at :memory:"), log)
        XCTAssertFalse(log.contains("POST ->"), log)
        XCTAssertFalse(stderr.contains("POST ->"), stderr)
    }

    func testWarningLevelLeavesTheEnginesInfoLinesOut() async throws {
        let (log, _, _) = try await serveOneRun(logLevel: "warning")
        XCTAssertFalse(log.contains("local backend"), log)
        XCTAssertFalse(log.contains("POST ->"), log)
    }
}
