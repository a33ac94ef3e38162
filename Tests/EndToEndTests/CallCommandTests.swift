import Foundation
import JSONCore
import XCTest

/// `assistd call METHOD [JSON|-]`: one request served in-process; result on stdout, errors on
/// stderr, exit codes 0 / 1 (error answer) / 2 (usage).
final class CallCommandTests: XCTestCase {
    func call(_ arguments: [String], stdin: String? = nil) throws -> CommandResult {
        let result = try CommandRunner.run(try AssistdBinary.path(), ["call"] + arguments, stdin: stdin,
                                           environment: ["DASHSCOPE_API_KEY": nil, "ASSISTD_BACKEND": nil])
        XCTAssertFalse(result.killedAfterHanging, "assistd call \(arguments) hung; stderr: \(result.stderr)")
        return result
    }

    func json(_ text: String) throws -> JSONValue {
        try JSONValue.parse(Array(text.utf8))
    }

    func testPrintsTheResultIndentedByDefaultAndCompactOnRequest() throws {
        let indented = try call(["assistants/create", #"{"model": "qwen-max", "name": "Art Maestro 🎨"}"#, "--ephemeral"])
        XCTAssertEqual(indented.status, 0, indented.stderr)
        let assistant = try json(indented.stdout)
        XCTAssertEqual(assistant["object"], "assistant")
        XCTAssertEqual(assistant["name"], "Art Maestro 🎨")
        XCTAssertTrue(indented.stdout.hasPrefix("{\n  \""), indented.stdout)
        XCTAssertEqual(indented.stderr, "", "nothing on stderr when all goes well")

        let compact = try call(["--ephemeral", "--compact", "assistants/list", #"{"limit": 1}"#])
        XCTAssertEqual(compact.status, 0, compact.stderr)
        XCTAssertEqual(compact.stdoutLines.count, 1, compact.stdout)
        XCTAssertEqual(try json(compact.stdout)["object"], "list")
    }

    func testParamsFromStdinAndNoParams() throws {
        let fromStdin = try call(["threads/create", "-", "--ephemeral"], stdin: #"{"metadata": {"from": "stdin"}}"#)
        XCTAssertEqual(fromStdin.status, 0, fromStdin.stderr)
        XCTAssertEqual(try json(fromStdin.stdout)["metadata"], ["from": "stdin"])
        let noParams = try call(["rpc.discover", "--ephemeral", "--compact"])
        XCTAssertEqual(noParams.status, 0, noParams.stderr)
        XCTAssertNotNil(try json(noParams.stdout)["openrpc"])
    }

    func testObjectsPersistAcrossCallsInADataDir() throws {
        let directory = try CommandRunner.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let created = try call(["assistants/create", #"{"model": "qwen-max", "name": "kept"}"#, "--data-dir", directory])
        XCTAssertEqual(created.status, 0, created.stderr)
        let id = try XCTUnwrap(try json(created.stdout)["id"]?.stringValue)
        let retrieved = try call(["assistants/retrieve", #"{"assistant_id": "\#(id)"}"#, "--data-dir=\(directory)"])
        XCTAssertEqual(retrieved.status, 0, retrieved.stderr)
        XCTAssertEqual(try json(retrieved.stdout)["name"], "kept")
    }

    func testAnErrorAnswerGoesToStderrAsJSONAndExitsOne() throws {
        let missing = try call(["threads/retrieve", #"{"thread_id": "thread_missing"}"#, "--ephemeral"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stdout, "")
        let error = try json(missing.stderr)
        XCTAssertEqual(error["code"], -32010)
        XCTAssertEqual(error["data"]?["status_code"], 404)
        XCTAssertEqual(error["data"]?["id"], "thread_missing")
        XCTAssertTrue(error["message"]?.stringValue?.contains("thread_missing") == true, missing.stderr)

        let invalid = try call(["assistants/create", #"{"name": "no model"}"#, "--ephemeral"])
        XCTAssertEqual(invalid.status, 1)
        XCTAssertEqual(try json(invalid.stderr)["code"], -32602)
        XCTAssertEqual(try json(invalid.stderr)["data"]?["param"], "model")

        let unknown = try call(["assistants/explode", "--ephemeral"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(try json(unknown.stderr)["code"], -32601)
    }

    func testUsageErrorsExitTwo() throws {
        let cases: [[String]] = [
            [],
            ["assistants/list", "{not json"],
            ["assistants/list", "{}", "{}"],
            ["assistants/list", "--bogus"],
            ["assistants/list", "--model", "nonsense"],
            ["assistants/list", "-x"],
        ]
        for arguments in cases {
            let result = try call(arguments + ["--ephemeral"])
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("assistd call: "), result.stderr)
            XCTAssertEqual(result.stdout, "", "nothing on stdout for \(arguments)")
        }
        let badStdin = try call(["assistants/list", "-", "--ephemeral"], stdin: "[1,")
        XCTAssertEqual(badStdin.status, 2)
        XCTAssertTrue(badStdin.stderr.contains("the params on stdin is not JSON"), badStdin.stderr)
    }

    func testALocalRunStartedWithoutStreamIsCarriedToItsEndBeforeExit() throws {
        let directory = try CommandRunner.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = try CommandRunner.writeScript(["turns": [["text": "Finished in the background.", "chunks": 3, "delay_ms": 20]]])
        let flags = ["--data-dir", directory, "--model", "scripted:\(script)", "--compact"]
        let assistantID = try XCTUnwrap(try json(try call(["assistants/create", #"{"model": "qwen-max"}"#] + flags).stdout)["id"]?.stringValue)
        let thread = try json(try call(["threads/create", #"{"messages": [{"role": "user", "content": "hi"}]}"#] + flags).stdout)
        let threadID = try XCTUnwrap(thread["id"]?.stringValue)

        let started = try call(["runs/create", #"{"thread_id": "\#(threadID)", "assistant_id": "\#(assistantID)"}"#] + flags)
        XCTAssertEqual(started.status, 0, started.stderr)
        let run = try json(started.stdout)
        XCTAssertEqual(run["object"], "thread.run")
        XCTAssertEqual(run["status"], "completed", "printed as it stands when call exits, not as created")
        XCTAssertNotNil(run["completed_at"]?.intValue, started.stdout)
        let runID = try XCTUnwrap(run["id"]?.stringValue)

        let later = try call(["runs/retrieve", #"{"thread_id": "\#(threadID)", "run_id": "\#(runID)"}"#] + flags)
        XCTAssertEqual(try json(later.stdout)["status"], "completed", "the run finished before the first call exited")
        let messages = try json(try call(["messages/list", #"{"thread_id": "\#(threadID)", "limit": 1}"#] + flags).stdout)
        XCTAssertEqual(messages["data"]?[0]?["content"]?[0]?["text"]?["value"], "Finished in the background.")
    }

    func testAStreamedRunPrintsEachEventAsALineThenTheRun() throws {
        let directory = try CommandRunner.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = try CommandRunner.writeScript(["turns": [["text": "Hello there, 布偶猫 🐈!", "chunks": 3]]])
        let flags = ["--data-dir", directory, "--model", "scripted:\(script)"]
        let assistant = try call(["assistants/create", #"{"model": "qwen-max"}"#] + flags)
        let assistantID = try XCTUnwrap(try json(assistant.stdout)["id"]?.stringValue, assistant.stderr)

        let params = #"{"assistant_id": "\#(assistantID)", "thread": {"messages": [{"role": "user", "content": "hi"}]}, "stream": true}"#
        let streamed = try call(["runs/createThreadAndRun", params, "--compact"] + flags)
        XCTAssertEqual(streamed.status, 0, streamed.stderr)
        let lines = try streamed.stdoutLines.map(json)
        let events = Array(lines.dropLast())
        let run = try XCTUnwrap(lines.last)
        XCTAssertEqual(events.map { $0["seq"]?.intValue }, (0..<Int64(events.count)).map { $0 }, "seq counts from 0 with no gaps")
        XCTAssertEqual(Set(events.compactMap { $0["request"] }).count, 1, "one request")
        XCTAssertEqual(events.first?["event"], "thread.created")
        XCTAssertEqual(events.last?["event"], "done")
        XCTAssertEqual(events.last?["data"], .null, "done carries null")
        let deltas = events.filter { $0["event"] == "thread.message.delta" }
        let text = deltas.compactMap { $0["data"]?["delta"]?["content"]?[0]?["text"]?["value"]?.stringValue }.joined()
        XCTAssertEqual(text, "Hello there, 布偶猫 🐈!")
        XCTAssertGreaterThanOrEqual(deltas.count, 3)
        XCTAssertEqual(run["object"], "thread.run")
        XCTAssertEqual(run["status"], "completed")
        XCTAssertTrue(streamed.stdout.split(separator: "\n").first?.hasPrefix(#"{"request":"#) == true, "event lines start with request, seq, event")
    }

    /// Each non-streamed run ends differently; `call` prints the run as it ended and exits by
    /// the one rule: 0 for `completed`, or `requires_action` when the caller did not ask for
    /// `handle_tools`; 1 otherwise, with the reason on stderr.
    func testANonStreamedRunIsPrintedAsItEndedAndTheExitCodeSaysHow() throws {
        let directory = try CommandRunner.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tool = #"{"type": "function", "function": {"name": "big_add", "parameters": {"type": "object"}}}"#
        let assistant = try call(["assistants/create", #"{"model": "qwen-max", "tools": [\#(tool)]}"#, "--data-dir", directory])
        let assistantID = try XCTUnwrap(try json(assistant.stdout)["id"]?.stringValue, assistant.stderr)
        let params = #"{"assistant_id": "\#(assistantID)", "thread": {"messages": [{"role": "user", "content": "hi"}]}}"#
        func run(_ turn: JSONValue) throws -> (result: CommandResult, run: JSONValue) {
            let script = try CommandRunner.writeScript(["turns": [turn]])
            let result = try call(["runs/createThreadAndRun", params, "--compact", "--data-dir", directory, "--model", "scripted:\(script)"])
            return (result, try json(result.stdout))
        }

        let failed = try run(["error": ["kind": "server", "message": "the scripted model fails"]])
        XCTAssertEqual(failed.result.status, 1, failed.result.stderr)
        XCTAssertEqual(failed.run["status"], "failed")
        XCTAssertEqual(failed.run["last_error"]?["message"], "the scripted model fails")
        XCTAssertNotNil(failed.result.stderr.range(of: #"^assistd call: run run_\S+ ended failed: last_error \{"#, options: .regularExpression),
                        failed.result.stderr)

        let incomplete = try run(["text": "cut off", "finish": "length"])
        XCTAssertEqual(incomplete.result.status, 1, incomplete.result.stderr)
        XCTAssertEqual(incomplete.run["status"], "incomplete")
        XCTAssertEqual(incomplete.run["incomplete_details"]?["reason"], "max_tokens")
        XCTAssertTrue(incomplete.result.stderr.contains("ended incomplete, reason max_tokens"), incomplete.result.stderr)

        let waiting = try run(["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]]]])
        XCTAssertEqual(waiting.result.status, 0, "requires_action is where a run without handle_tools stops: \(waiting.result.stderr)")
        XCTAssertEqual(waiting.run["status"], "requires_action")
        XCTAssertEqual(waiting.run["required_action"]?["submit_tool_outputs"]?["tool_calls"]?[0]?["function"]?["name"], "big_add")
        XCTAssertEqual(waiting.result.stderr, "")

        let completed = try run(["text": "Done."])
        XCTAssertEqual(completed.result.status, 0, completed.result.stderr)
        XCTAssertEqual(completed.run["status"], "completed")
        XCTAssertEqual(completed.run["last_error"], .null)
    }

    /// `call` is a client: its requests carry a client's integer ids, not the "s1" style that
    /// assistd uses for its own requests to a client.
    func testItsRequestsCarryIntegerIds() throws {
        let directory = try CommandRunner.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trace = (directory as NSString).appendingPathComponent("trace.jsonl")
        let result = try call(["threads/create", "{}", "--ephemeral", "--trace", trace])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map { try json(String($0)) }
        let requests = lines.filter { $0["dir"] == "in" && $0["message"]?["method"] != nil && $0["message"]?["id"] != nil }
        XCTAssertEqual(requests.map { $0["message"]?["method"]?.stringValue ?? "?" }, ["initialize", "threads/create", "shutdown"])
        XCTAssertEqual(requests.map { $0["message"]?["id"] }, [1, 2, 3])
    }
}
