import Foundation
import JSONCore
import XCTest

/// clients/shell/stream-reply.sh (bash coprocess + jq) against the built binary and a scripted
/// TEST model. Needs bash and jq (.ci/run installs jq).
final class ShellClientTests: XCTestCase {
    var scriptPath: String { AssistdBinary.repositoryRoot.appendingPathComponent("clients/shell/stream-reply.sh").path }

    func runScript(_ arguments: [String]) throws -> CommandResult {
        let result = try CommandRunner.run(
            "/bin/bash", [scriptPath] + arguments,
            environment: ["ASSISTD": try AssistdBinary.path(), "DASHSCOPE_API_KEY": nil, "ASSISTD_BACKEND": nil])
        XCTAssertFalse(result.killedAfterHanging, "stream-reply.sh hung; stdout: \(result.stdout) stderr: \(result.stderr)")
        return result
    }

    func testStreamsTheReplyToTheTerminal() throws {
        let reply = "A ragdoll cat, in soft watercolour: \"blue eyes\" \\ 布偶猫 🐈"
        let script = try CommandRunner.writeScript(["turns": [["text": .string(reply), "chunks": 5]]])
        let result = try runScript(["Draw a picture of a ragdoll cat.", "--ephemeral", "--model", "scripted:\(script)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "you> Draw a picture of a ragdoll cat.\nassistant> \(reply)\n")
        XCTAssertTrue(result.stderr.contains("local backend"), result.stderr)
        XCTAssertNotNil(result.stderr.range(of: #"run run_[^:]+: completed"#, options: .regularExpression), result.stderr)
    }

    func testAFailedRunEndsTheScriptNonZero() throws {
        let script = try CommandRunner.writeScript(["turns": [["error": ["kind": "server", "message": "the scripted model fails"]]]])
        let result = try runScript(["hello", "--ephemeral", "--model", "scripted:\(script)"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertNotNil(result.stderr.range(of: #"run run_[^:]+: failed"#, options: .regularExpression), result.stderr)
    }

    func testAnErrorAnswerIsPrintedAndEndsTheScript() throws {
        // A question longer than --max-message-bytes: messages/create is answered -32600 (id null).
        let script = try CommandRunner.writeScript(["turns": [["text": "unused"]]])
        let question = String(repeating: "Draw a ragdoll cat. ", count: 40)
        let result = try runScript([question, "--ephemeral", "--model", "scripted:\(script)", "--max-message-bytes", "500"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("assistd: messages/create failed: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("-32600"), result.stderr)
        XCTAssertFalse(result.stdout.contains("assistant>"), "no run was started")
    }

    func testAnAssistdThatCannotStartEndsTheScript() throws {
        // A scripted model file that does not exist: assistd refuses to start, and the script
        // must say so and end rather than hang or die of SIGPIPE.
        let result = try runScript(["hello", "--ephemeral", "--model", "scripted:/nonexistent/assistd-shell-test.json"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("/nonexistent/assistd-shell-test.json"), result.stderr)
    }
}
