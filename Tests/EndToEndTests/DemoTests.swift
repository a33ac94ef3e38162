import Foundation
import JSONCore
import TestSupport
import XCTest

/// `assistd demo`: the quick start's big_add flow through a child `assistd --stdio`, with the
/// scripted TEST model standing in for a real one.
final class DemoTests: XCTestCase {
    /// Never the hosted service, whatever the developer's environment says.
    static let localOnly: [String: String?] = ["DASHSCOPE_API_KEY": nil, "ASSISTD_BACKEND": nil, "ASSISTD_GGUF": nil]

    func demo(_ arguments: [String]) throws -> CommandResult {
        let result = try CommandRunner.run(try AssistdBinary.path(), ["demo"] + arguments, environment: Self.localOnly)
        XCTAssertFalse(result.killedAfterHanging, "assistd demo hung; stdout: \(result.stdout) stderr: \(result.stderr)")
        return result
    }

    /// Calls big_add with these arguments, then answers with the tool's output.
    func bigAddScript(left: JSONValue, right: JSONValue) throws -> String {
        try CommandRunner.writeScript([
            "turns": [["tool_calls": [["name": "big_add", "arguments": ["left": left, "right": right]]]]],
            "rules": [["when_last_is_tool": true, "turn": ["text": "The sum is {{last_tool_output}}.", "chunks": 4]]],
        ])
    }

    func testStreamsTheReplyAnswersBigAddAndPrintsASummary() throws {
        let result = try demo(["--ephemeral", "--model", "scripted:\(try bigAddScript(left: 87787, right: 788988737))"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdoutLines
        XCTAssertTrue(lines.first?.hasPrefix("assistd demo: local backend, model scripted ") == true, result.stdout)
        XCTAssertTrue(lines.contains("you> Add 87787 to 788988737 with big_add."), result.stdout)
        XCTAssertTrue(lines.contains("assistant> [big_add(87787, 788988737) = 789076524] The sum is 789076524."), result.stdout)
        let summary = try XCTUnwrap(lines.last)
        XCTAssertTrue(summary.hasPrefix("summary: run run_"), summary)
        XCTAssertTrue(summary.contains(" completed in 2 steps (tool_calls, message_creation); usage: "), summary)
        XCTAssertNotNil(summary.range(of: #"usage: \d+ prompt \+ \d+ completion = \d+ tokens$"#, options: .regularExpression), summary)
        XCTAssertEqual(result.stderr, "", "the child's routine logs stay quiet")
    }

    func testBigAddIsExactBeyondSixtyFourBitsAndWithSigns() throws {
        let big = try demo(["--ephemeral", "--model", "scripted:\(try bigAddScript(left: "123456789012345678901234567890", right: "987654321098765432109876543210"))"])
        XCTAssertEqual(big.status, 0, big.stderr)
        XCTAssertTrue(big.stdout.contains("The sum is 1111111110111111111011111111100."), big.stdout)
        let signed = try demo(["--ephemeral", "--model", "scripted:\(try bigAddScript(left: -1000, right: "999"))"])
        XCTAssertEqual(signed.status, 0, signed.stderr)
        XCTAssertTrue(signed.stdout.contains("[big_add(-1000, 999) = -1] The sum is -1."), signed.stdout)
    }

    func testWithoutAModelItSaysHowToInstallOneBeforeStarting() throws {
        // The local backend's default (embedded) model, with no model file to be found.
        let result = try demo(["--ephemeral", "--gguf", "/nonexistent/assistd-demo-test.gguf"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("the local backend has no chat model"), result.stderr)
        XCTAssertTrue(result.stderr.contains("assistd model install"), result.stderr)
        XCTAssertFalse(result.stdout.contains("you>"), "nothing was started: \(result.stdout)")
    }

    func testAFailedRunExitsNonZeroWithItsLastError() throws {
        let script = try CommandRunner.writeScript(["turns": [["error": ["kind": "invalid_prompt", "message": "the scripted model refuses"]]]])
        let result = try demo(["--ephemeral", "--model", "scripted:\(script)"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains("summary: run run_"), result.stdout)
        XCTAssertTrue(result.stdout.contains(" failed in "), result.stdout)
        XCTAssertTrue(result.stderr.contains(" ended failed: last_error "), result.stderr)
        XCTAssertTrue(result.stderr.contains("invalid_prompt"), result.stderr)
    }

    func testAnIncompleteRunSaysWhy() throws {
        let script = try CommandRunner.writeScript(["turns": [["text": "The sum is", "finish": "length"]]])
        let result = try demo(["--ephemeral", "--model", "scripted:\(script)"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains(" incomplete in 1 step "), result.stdout)
        XCTAssertTrue(result.stderr.contains(" ended incomplete, reason max_tokens"), result.stderr)
        XCTAssertFalse(result.stderr.contains("no last_error"), result.stderr)
    }

    /// With DASHSCOPE_API_KEY set the demo runs against the hosted service; here a FAKE of it
    /// (FakeDashScopeServer). The fake calls big_add with only the schema's string
    /// properties (none), so the demo's tool answers an error, which the run reports back.
    func testTheSameFlowRunsAgainstTheHostedBackend() throws {
        let fake = try FakeDashScopeServer()
        defer { fake.stop() }
        let key = FakeDashScopeServer.apiKey

        let result = try CommandRunner.run(
            try AssistdBinary.path(), ["demo", "--base-url", fake.baseURL],
            environment: ["DASHSCOPE_API_KEY": key, "ASSISTD_BACKEND": nil])
        XCTAssertFalse(result.killedAfterHanging, result.stderr)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdoutLines.first?.hasPrefix("assistd demo: dashscope backend") == true, result.stdout)
        XCTAssertTrue(result.stdout.contains("assistant> big_add returned: Error: "), result.stdout)
        XCTAssertTrue(result.stdout.contains("big_add needs integers left and right"), result.stdout)
        XCTAssertTrue(result.stdoutLines.last?.contains(" completed in 2 steps (tool_calls, message_creation); usage: ") == true, result.stdout)
        XCTAssertFalse(result.stdout.contains(key) || result.stderr.contains(key), "the key is never printed")
    }

    func testBadFlagsExitTwo() throws {
        let result = try demo(["--model", "nonsense"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.hasPrefix("assistd demo: "), result.stderr)
    }
}
