import Foundation
import JSONCore

/// Every write assistd acknowledged (its response, or its stream's event, reached the client),
/// and the checks that a restarted assistd still has them all.
struct DurabilityLedger {
    struct AckedRun {
        let threadID: String
        /// The stream announced `thread.run.completed`: the run must be completed.
        var completed = false
        /// The run paused for tool outputs (and none were accepted since): it must still wait.
        var waiting = false
    }

    /// Acknowledged message texts by thread, with their ids where the acknowledgement named it.
    private(set) var messages: [String: [String: String?]] = [:]
    /// Assistant replies announced `thread.message.completed`: id → text.
    private(set) var replies: [String: (threadID: String, text: String)] = [:]
    private(set) var runs: [String: AckedRun] = [:]
    /// Threads in the order they were acknowledged.
    private(set) var threads: [String] = []
    private var knownThreads: Set<String> = []

    var messageCount: Int { messages.values.reduce(0) { $0 + $1.count } + replies.count }

    mutating func thread(_ id: String) {
        if knownThreads.insert(id).inserted { threads.append(id) }
    }

    mutating func message(_ text: String, id: String?, threadID: String) {
        thread(threadID)
        messages[threadID, default: [:]][text] = id
    }

    mutating func run(_ id: String, threadID: String) {
        thread(threadID)
        if runs[id] == nil { runs[id] = AckedRun(threadID: threadID) }
    }

    /// Files what a `runs/event` says: runs created, completed or waiting; replies completed.
    mutating func event(_ params: JSONValue) {
        guard let name = params["event"]?.stringValue, let data = params["data"] else { return }
        switch name {
        case "thread.run.created":
            if let id = data.id, let thread = data["thread_id"]?.stringValue { run(id, threadID: thread) }
        case "thread.run.completed":
            if let id = data.id { runs[id]?.completed = true }
        case "thread.run.requires_action":
            if let id = data.id { runs[id]?.waiting = true }
        case "thread.message.completed":
            if let id = data.id, let thread = data["thread_id"]?.stringValue, let text = data.messageText {
                replies[id] = (thread, text)
            }
        default:
            break
        }
    }

    /// Tool outputs were accepted: the run is on its way again.
    mutating func resumed(_ runID: String) { runs[runID]?.waiting = false }

    // MARK: checks against a restarted assistd

    struct Findings {
        var problems: [String] = []
        var messagesChecked = 0
        var runsChecked = 0
        /// How many acknowledged runs have each status after the restart.
        var statuses: [String: Int] = [:]
        /// Replies seen completed in a stream before the kill.
        var repliesChecked = 0
        /// Runs that hold their thread by design (requires_action), with their pending call ids.
        var waiting: [String: (runID: String, callIDs: [String])] = [:]
    }

    /// Every acknowledged run exists and is terminal or waiting (and completed/waiting where it
    /// was seen so); every acknowledged message and reply is in its thread.
    func check(with client: PipelinedClient) throws -> Findings {
        var findings = Findings()
        let runIDs = runs.keys.sorted()
        let retrieved = try client.callAll(runIDs.map { id in
            ("runs/retrieve", ["thread_id": .string(runs[id]!.threadID), "run_id": .string(id)])
        })
        let terminal: Set<String> = ["completed", "failed", "cancelled", "expired", "incomplete"]
        for (id, response) in zip(runIDs, retrieved) {
            findings.runsChecked += 1
            let acked = runs[id]!
            guard let status = response["result"]?.status else {
                findings.problems.append("run \(id) is missing: \(response.serializedString())")
                continue
            }
            findings.statuses[status, default: 0] += 1
            if status == "requires_action" {
                let calls = response["result"]?["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue ?? []
                findings.waiting[acked.threadID] = (id, calls.compactMap(\.id))
            } else if !terminal.contains(status) {
                findings.problems.append("run \(id) is \(status) after the restart")
            }
            if acked.completed && status != "completed" { findings.problems.append("run \(id) completed before the kill, is \(status)") }
            if acked.waiting && status != "requires_action" { findings.problems.append("run \(id) waited for outputs before the kill, is \(status)") }
        }

        for threadID in threads {
            let stored = try allMessages(threadID, client)
            for (text, id) in messages[threadID] ?? [:] {
                findings.messagesChecked += 1
                guard let found = stored.first(where: { $0.messageText == text }) else {
                    findings.problems.append("message \"\(text)\" of \(threadID) is missing")
                    continue
                }
                if let id, found.id != id { findings.problems.append("message \"\(text)\" has id \(found.id ?? "?"), acknowledged as \(id)") }
            }
            for (id, reply) in replies where reply.threadID == threadID {
                findings.messagesChecked += 1
                findings.repliesChecked += 1
                let found = stored.first { $0.id == id }
                if found?.messageText != reply.text || found?.status != "completed" {
                    findings.problems.append("reply \(id) of \(threadID) is \(found?.serializedString() ?? "missing")")
                }
            }
        }
        return findings
    }

    private func allMessages(_ threadID: String, _ client: PipelinedClient) throws -> [JSONValue] {
        var all: [JSONValue] = []
        var after: String?
        while true {
            var params: JSONObject = ["thread_id": .string(threadID), "order": "asc", "limit": 100]
            if let after { params["after"] = .string(after) }
            let page = try client.call("messages/list", .object(params))
            guard let result = page["result"] else { throw PipelinedClient.Failure("messages/list \(threadID): \(page.serializedString())") }
            all += result["data"]?.arrayValue ?? []
            guard result["has_more"] == true, let last = result["last_id"]?.stringValue else { return all }
            after = last
        }
    }
}
