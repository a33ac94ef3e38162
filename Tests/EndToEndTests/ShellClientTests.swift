import Foundation
import JSONCore
import XCTest

/// clients/shell/stream-reply.sh (bash coprocess + jq) against the built binary and a scripted
/// TEST model. Needs bash and jq (.ci/run installs jq).
final class ShellClientTests: XCTestCase {
    var scriptPath: String { AssistdBinary.repositoryRoot.appendingPathComponent("clients/shell/stream-reply.sh").path }

    func runScript(_ arguments: [String], path: String? = nil) throws -> CommandResult {
        var environment: [String: String?] = ["ASSISTD": try AssistdBinary.path(), "DASHSCOPE_API_KEY": nil, "ASSISTD_BACKEND": nil]
        if let path { environment["PATH"] = path }
        let result = try CommandRunner.run("/bin/bash", [scriptPath] + arguments, environment: environment)
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

    func testAnIncompleteRunSaysWhyAndEndsNonZero() throws {
        let script = try CommandRunner.writeScript(["turns": [["text": "A ragdoll", "finish": "length"]]])
        let result = try runScript(["hello", "--ephemeral", "--model", "scripted:\(script)"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stdout, "you> hello\nassistant> A ragdoll\n")
        XCTAssertNotNil(result.stderr.range(of: #"run run_[^:]+: incomplete: incomplete_details \{"reason":"max_tokens"\}"#, options: .regularExpression),
                        result.stderr)
    }

    /// One long-lived jq reads the stream: a reply of 500 deltas starts no process per event.
    /// Counted with a jq on PATH that notes each start, then runs the real one.
    func testManyDeltasStartNoProcessPerEvent() throws {
        let directory = try CommandRunner.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let realJQ = try XCTUnwrap(["/usr/bin/jq", "/usr/local/bin/jq", "/bin/jq"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let starts = (directory as NSString).appendingPathComponent("starts")
        let wrapper = (directory as NSString).appendingPathComponent("jq")
        try "#!/bin/sh\necho >> '\(starts)'\nexec '\(realJQ)' \"$@\"\n".write(toFile: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)

        let reply = String(repeating: "ragdoll\t\\n ", count: 100)
        let script = try CommandRunner.writeScript(["turns": [["text": .string(reply), "chunks": 500]]])
        let path = directory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try runScript(["hello", "--ephemeral", "--model", "scripted:\(script)"], path: path)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "you> hello\nassistant> \(reply)\n")
        let count = try String(contentsOfFile: starts, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).count - 1
        XCTAssertLessThanOrEqual(count, 20, "jq started \(count) times for a stream of 500 deltas")
    }
}
