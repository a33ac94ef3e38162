import Foundation
import JSONCore
import XCTest

/// `kill -9` of assistd at seeded random moments while many runs (streamed and not, some
/// pausing for tool outputs) and `messages/create` are in flight; after each kill the database
/// passes `PRAGMA integrity_check`, and a restarted assistd on the same data dir has every
/// acknowledged write, no run left queued/in_progress/cancelling, every waiting run still
/// waiting (and taking its outputs), and every thread accepting a new run.
///
/// CI runs 3 rounds with 64 writes in flight. The long version (protocol/runs.md § Durability):
/// `ASSISTD_DURABILITY_ROUNDS=12 ASSISTD_DURABILITY_WINDOW=512 ASSISTD_DURABILITY_SEED=7 swift test --filter EndToEndTests.DurabilityTests`.
final class DurabilityTests: XCTestCase {
    static let script: JSONValue = [
        "turns": [["text": "a reply in four chunks", "chunks": 4, "delay_ms": 5]],
        "rules": [
            ["when_last_is_tool": true, "turn": ["text": "the tool said {{last_tool_output}}", "chunks": 2, "delay_ms": 10]],
            ["when_last_user_contains": "use the tool", "turn": ["tool_calls": [["name": "big_add", "arguments": ["left": 1, "right": 2]]]]],
        ],
    ]

    /// A write sent in the burst, until acknowledged.
    enum Write {
        case message(text: String, threadID: String)
        case threadAndRun(text: String)
    }

    var ledger = DurabilityLedger()
    var pending: [Int64: Write] = [:]
    var acknowledged: Set<Int64> = []
    var problems: [String] = []
    var assistantID = ""
    /// Writes in flight at once during a burst.
    var window = 64

    func testEveryAcknowledgedWriteSurvivesKillNine() throws {
        let environment = ProcessInfo.processInfo.environment
        let rounds = max(1, Int(environment["ASSISTD_DURABILITY_ROUNDS"] ?? "") ?? 3)
        let seed = UInt64(environment["ASSISTD_DURABILITY_SEED"] ?? "") ?? 1
        window = max(1, Int(environment["ASSISTD_DURABILITY_WINDOW"] ?? "") ?? 64)
        var random = SeededGenerator(state: seed)
        let dataDir = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-durability-\(UUID().uuidString)")
        let scriptPath = try CommandRunner.writeScript(Self.script)
        defer {
            try? FileManager.default.removeItem(atPath: dataDir)
            try? FileManager.default.removeItem(atPath: scriptPath)
        }

        var writesAcknowledged = 0
        var threadsUnlocked = 0
        var waitingSurvived = 0
        for round in 0..<rounds {
            let client = try PipelinedClient(dataDir: dataDir, scriptPath: scriptPath)
            if round == 0 {
                let assistant = try client.call("assistants/create", [
                    "model": "qwen-max", "name": "durability", "tools": [AssistdSession.bigAdd],
                ])
                assistantID = try XCTUnwrap(assistant["result"]?.id)
            } else {
                let findings = try checkAndUnlock(client)
                threadsUnlocked += findings.unlocked
                print("round \(round) restart: acknowledged runs by status \(findings.statuses.sorted { $0.key < $1.key })")
                waitingSurvived += findings.waiting
            }
            writesAcknowledged += try burst(client, round: round, random: &random)
            XCTAssertEqual(try integrityCheck(dataDir: dataDir), "ok", "after the kill of round \(round)")
        }

        // The last restart: everything acknowledged is there, every thread takes a new run,
        // and every one of those ends (none hangs on a lock or a lost owner).
        let client = try PipelinedClient(dataDir: dataDir, scriptPath: scriptPath)
        let final = try checkAndUnlock(client)
        let waits = try client.callAll(final.started.map { run in
            ("runs/wait", ["thread_id": .string(run.threadID), "run_id": .string(run.id), "timeout_ms": 60_000])
        })
        for (run, response) in zip(final.started, waits) {
            let status = response["result"]?.status ?? "missing"
            if !["completed", "requires_action"].contains(status) { problems.append("new run \(run.id) ended \(status)") }
        }
        client.finish()
        XCTAssertEqual(try integrityCheck(dataDir: dataDir), "ok", "after a clean exit")

        XCTAssertEqual(problems, [], "seed \(seed)")
        XCTAssertGreaterThan(final.messagesChecked, 0)
        print("""
            kill -9 durability (seed \(seed)): \(rounds) kill rounds with \(window) writes in flight, \(writesAcknowledged) writes acknowledged; \
            after the last restart \(final.messagesChecked) messages (\(final.repliesChecked) streamed replies) and \(final.runsChecked) runs checked \
            (by status: \(final.statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))), \
            \(problems.count) problems (missing: \(problems.filter { $0.contains("missing") }.count)); \
            \(waitingSurvived + final.waiting) requires_action runs survived and took their outputs; \
            \(threadsUnlocked + final.unlocked) threads accepted a new run; integrity_check ok after every kill
            """)
    }

    // MARK: the burst

    /// Keeps `window` writes in flight until a seeded moment, then kills assistd. Returns how
    /// many writes were acknowledged (those written before the kill and read after it included).
    func burst(_ client: PipelinedClient, round: Int, random: inout SeededGenerator) throws -> Int {
        var messageThreads: [String] = []
        for _ in 0..<4 {
            let thread = try client.call("threads/create", ["metadata": ["round": .string("\(round)")]])
            let id = try XCTUnwrap(thread["result"]?.id, "\(thread)")
            ledger.thread(id)
            messageThreads.append(id)
        }
        // The kill: a seeded moment 0.2–1.2 s into the burst, once at least 50 writes are in.
        let killAt = Date(timeIntervalSinceNow: Double.random(in: 0.2...1.2, using: &random))
        var sent = 0
        let before = acknowledged.count
        while acknowledged.count - before < 50 || Date() < killAt {
            while client.inFlight.count < window {
                sent += 1
                send(client, round: round, number: sent, messageThreads: messageThreads, random: &random)
            }
            guard let message = client.next() else {
                throw PipelinedClient.Failure("round \(round): nothing within 30 s; stderr:\n\(client.process.stderrText)")
            }
            handle(message)
        }
        for message in client.killHard() { handle(message) }
        pending.removeAll()
        return acknowledged.count - before
    }

    func send(_ client: PipelinedClient, round: Int, number: Int, messageThreads: [String], random: inout SeededGenerator) {
        let pick = Int.random(in: 0..<100, using: &random)
        let stream = Bool.random(using: &random)
        if pick < 45 {
            let thread = messageThreads[Int.random(in: 0..<messageThreads.count, using: &random)]
            let text = "r\(round) message \(number)"
            let id = client.send("messages/create", ["thread_id": .string(thread), "content": .string(text)])
            pending[id] = .message(text: text, threadID: thread)
        } else {
            let text = pick < 80 ? "r\(round) run \(number)" : "use the tool: r\(round) run \(number)"
            let id = client.send("runs/createThreadAndRun", [
                "assistant_id": .string(assistantID), "stream": .bool(stream),
                "thread": ["messages": [["role": "user", "content": .string(text)]]],
            ])
            pending[id] = .threadAndRun(text: text)
        }
    }

    /// Files an acknowledgement: a response, or the event that announces a stored run.
    func handle(_ message: JSONValue) {
        if message["method"] == "runs/event", let params = message["params"], let request = params["request"]?.intValue {
            ledger.event(params)
            if params["event"] == "thread.run.created", case .threadAndRun(let text)? = pending[request],
               let thread = params["data"]?["thread_id"]?.stringValue {
                ledger.message(text, id: nil, threadID: thread)
                acknowledged.insert(request)
            }
            return
        }
        guard message["method"] == nil, let id = message["id"]?.intValue, let write = pending[id] else { return }
        guard let result = message["result"] else {
            problems.append("a write was refused: \(message.serializedString())")
            return
        }
        switch write {
        case .message(let text, let thread):
            ledger.message(text, id: result.id, threadID: thread)
        case .threadAndRun(let text):
            guard let run = result.id, let thread = result["thread_id"]?.stringValue else { return }
            ledger.run(run, threadID: thread)
            ledger.message(text, id: nil, threadID: thread)
        }
        acknowledged.insert(id)
    }

    // MARK: after a restart

    struct Restart {
        var messagesChecked: Int
        var runsChecked: Int
        var waiting: Int
        var unlocked: Int
        var started: [(id: String, threadID: String)]
        var statuses: [String: Int]
        var repliesChecked: Int
    }

    /// Checks the ledger against the restarted assistd, then asks every thread for a new run
    /// (or, where a run waits for tool outputs, gives it its outputs): none may be refused.
    func checkAndUnlock(_ client: PipelinedClient) throws -> Restart {
        let findings = try ledger.check(with: client)
        problems += findings.problems
        let threads = ledger.threads
        let requests: [(String, JSONValue)] = threads.map { thread in
            if let waiting = findings.waiting[thread] {
                let outputs: [JSONValue] = waiting.callIDs.map { ["tool_call_id": .string($0), "output": "3"] }
                return ("runs/submitToolOutputs", ["thread_id": .string(thread), "run_id": .string(waiting.runID), "tool_outputs": .array(outputs)])
            }
            return ("runs/create", ["thread_id": .string(thread), "assistant_id": .string(assistantID)])
        }
        let responses = try client.callAll(requests)
        var started: [(String, String)] = []
        for (thread, response) in zip(threads, responses) {
            guard let run = response["result"]?.id else {
                problems.append("thread \(thread) refused a new run: \(response.serializedString())")
                continue
            }
            if findings.waiting[thread] != nil { ledger.resumed(run) } else { ledger.run(run, threadID: thread) }
            started.append((run, thread))
        }
        return Restart(
            messagesChecked: findings.messagesChecked, runsChecked: findings.runsChecked, waiting: findings.waiting.count,
            unlocked: started.count, started: started, statuses: findings.statuses, repliesChecked: findings.repliesChecked)
    }
}
