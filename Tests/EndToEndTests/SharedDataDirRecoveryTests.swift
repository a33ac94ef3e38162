import Foundation
import JSONCore
import XCTest

/// Two assistd processes on one data dir, one killed (SIGKILL) mid-runs: the survivor ends the
/// dead one's runs (failed, server_error) on the first request that finds one holding a thread,
/// and by its sweep (every 5 s) for the others; its own runs and the waiting ones go on. And an
/// owner whose pid now belongs to another process (a reused pid) counts as gone.
final class SharedDataDirRecoveryTests: XCTestCase {
    /// Replies that stream for about 8 s: still in progress when the kill comes, even on a loaded machine.
    static let slowScript: JSONValue = [
        "turns": [["text": "twenty chunks of a slow reply that takes its time", "chunks": 20, "delay_ms": 400]],
        "rules": [
            ["when_last_is_tool": true, "turn": ["text": "the tool said {{last_tool_output}}"]],
            ["when_last_user_contains": "use the tool", "turn": ["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]]]]],
        ],
    ]
    /// The sweep's period (RunExecutor.Configuration.sweepSeconds) plus room for a loaded machine.
    static let sweepBound: TimeInterval = 5 + 15

    var dataDir = ""
    var scriptPath = ""

    override func setUpWithError() throws {
        dataDir = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-peers-\(UUID().uuidString)")
        scriptPath = try CommandRunner.writeScript(Self.slowScript)
        addTeardownBlock { [dataDir, scriptPath] in
            try? FileManager.default.removeItem(atPath: dataDir)
            try? FileManager.default.removeItem(atPath: scriptPath)
        }
    }

    func result(_ response: JSONValue, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        guard let result = response["result"] else {
            XCTFail("error: \(response.serializedString())", file: file, line: line)
            throw PipelinedClient.Failure(response.serializedString())
        }
        return result
    }

    /// Starts `count` runs on new threads; returns (thread, run) pairs.
    func startRuns(_ client: PipelinedClient, assistant: String, count: Int, text: String) throws -> [(thread: String, run: String)] {
        let responses = try client.callAll((0..<count).map { index in
            ("runs/createThreadAndRun", [
                "assistant_id": .string(assistant),
                "thread": ["messages": [["role": "user", "content": .string("\(text) \(index)")]]],
            ])
        })
        return try responses.map { response in
            let run = try result(response)
            return (try XCTUnwrap(run["thread_id"]?.stringValue), try XCTUnwrap(run.id))
        }
    }

    func status(_ client: PipelinedClient, _ pairs: [(thread: String, run: String)]) throws -> [JSONValue] {
        try client.callAll(pairs.map { ("runs/retrieve", ["thread_id": .string($0.thread), "run_id": .string($0.run)]) })
            .map { try result($0) }
    }

    func testTheSurvivorRecoversADeadPeersRuns() throws {
        let victim = try PipelinedClient(dataDir: dataDir, scriptPath: scriptPath)
        let survivor = try PipelinedClient(dataDir: dataDir, scriptPath: scriptPath)
        let assistant = try result(victim.call("assistants/create", ["model": "qwen-max", "tools": [AssistdSession.bigAdd]])).id ?? ""

        let byRequest = try startRuns(victim, assistant: assistant, count: 20, text: "freed by a request")
        let bySweep = try startRuns(victim, assistant: assistant, count: 20, text: "freed by the sweep")
        let forMessage = try startRuns(victim, assistant: assistant, count: 1, text: "freed by a message")
        let waiting = try startRuns(victim, assistant: assistant, count: 5, text: "use the tool")
        let ownRuns = try startRuns(survivor, assistant: assistant, count: 5, text: "the survivor's own")
        let paused = try victim.callAll(waiting.map { ("runs/wait", ["thread_id": .string($0.thread), "run_id": .string($0.run)]) })
        XCTAssertEqual(try paused.map { try result($0).status }, Array(repeating: "requires_action", count: waiting.count))
        XCTAssertTrue(try status(victim, byRequest + bySweep + forMessage).allSatisfy { ["queued", "in_progress"].contains($0.status) })

        _ = victim.killHard()
        let killed = Date()

        // A request that finds a thread held by the dead peer's run frees it at once.
        let newRuns = try survivor.callAll(byRequest.map { pair in
            ("runs/create", ["thread_id": .string(pair.thread), "assistant_id": .string(assistant)])
        })
        for response in newRuns { _ = try result(response) }
        let message = try survivor.call("messages/create", ["thread_id": .string(forMessage[0].thread), "content": "me too"])
        _ = try result(message)
        let byRequestSeconds = Date().timeIntervalSince(killed)
        for run in try status(survivor, byRequest + forMessage) {
            XCTAssertEqual(run.status, "failed")
            XCTAssertEqual(run["last_error"]?["code"], "server_error")
        }

        // Runs nobody asks about are ended by the sweep.
        var sweepSeconds: TimeInterval = 0
        while true {
            let statuses = try status(survivor, bySweep).map { $0.status ?? "" }
            if statuses.allSatisfy({ $0 == "failed" }) { break }
            sweepSeconds = Date().timeIntervalSince(killed)
            XCTAssertLessThan(sweepSeconds, Self.sweepBound, "still \(statuses)")
            if sweepSeconds >= Self.sweepBound { break }
            usleep(100_000)
        }
        sweepSeconds = Date().timeIntervalSince(killed)
        for response in try survivor.callAll(bySweep.map { ("runs/create", ["thread_id": .string($0.thread), "assistant_id": .string(assistant)]) }) {
            _ = try result(response)
        }

        // Waiting runs are not orphans: they still wait, and the survivor takes their outputs.
        let waitingNow = try status(survivor, waiting)
        XCTAssertEqual(waitingNow.map(\.status), Array(repeating: "requires_action", count: waiting.count))
        let resumed = try survivor.callAll(zip(waiting, waitingNow).map { pair, run in
            let call = run["required_action"]?["submit_tool_outputs"]?["tool_calls"]?[0]?.id ?? ""
            return ("runs/submitToolOutputs", [
                "thread_id": .string(pair.thread), "run_id": .string(pair.run), "stream": true,
                "tool_outputs": [["tool_call_id": .string(call), "output": "3"]],
            ])
        })
        XCTAssertEqual(try resumed.map { try result($0).status }, Array(repeating: "completed", count: waiting.count))

        // The survivor's own runs were never anyone's to end.
        let own = try survivor.callAll(ownRuns.map { ("runs/wait", ["thread_id": .string($0.thread), "run_id": .string($0.run)]) })
        XCTAssertEqual(try own.map { try result($0).status }, Array(repeating: "completed", count: ownRuns.count))
        survivor.finish()
        XCTAssertEqual(try integrityCheck(dataDir: dataDir), "ok")
        print("""
            peer kill: \(byRequest.count) threads held by the dead peer took a new run \(String(format: "%.2f", byRequestSeconds)) s \
            after the kill (first request); the sweep ended \(bySweep.count) more within \(String(format: "%.2f", sweepSeconds)) s \
            (bound \(Int(Self.sweepBound)) s); \(waiting.count) waiting runs survived and completed
            """)
    }

    /// The dead owner's pid now names a live process (this test runner) with another start
    /// time, as when the kernel hands the pid on: the next assistd still ends the runs.
    func testAReusedPidDoesNotHoldTheRuns() throws {
        let first = try PipelinedClient(dataDir: dataDir, scriptPath: scriptPath)
        let assistant = try result(first.call("assistants/create", ["model": "qwen-max"])).id ?? ""
        let runs = try startRuns(first, assistant: assistant, count: 3, text: "interrupted")
        _ = first.killHard()
        let impostor = getpid()
        let changed = try sqliteChange(dataDir: dataDir, "UPDATE run_owners SET pid = \(impostor), start_time = start_time + 1")
        XCTAssertEqual(changed, 3)

        let second = try PipelinedClient(dataDir: dataDir, scriptPath: scriptPath)
        for run in try status(second, runs) {
            XCTAssertEqual(run.status, "failed", "pid \(impostor) is alive, but not the process that started these runs")
            XCTAssertEqual(run["last_error"]?["code"], "server_error")
        }
        for response in try second.callAll(runs.map { ("runs/create", ["thread_id": .string($0.thread), "assistant_id": .string(assistant)]) }) {
            _ = try result(response)
        }
        second.finish()
    }
}
