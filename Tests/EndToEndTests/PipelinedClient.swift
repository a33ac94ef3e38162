import Foundation
import JSONCore

/// A client that keeps many requests in flight on one assistd and hands every message to
/// its owner as it arrives: for workloads where the moment a response (or a stream's event)
/// is received is what counts, such as the kill -9 loop's acknowledged writes.
final class PipelinedClient {
    let process: AssistdProcess
    private var nextID: Int64 = 0
    /// Requests sent and not answered yet, by id.
    private(set) var inFlight: [Int64: String] = [:]

    /// Starts assistd on `dataDir` with the scripted model reading `scriptPath`, and initializes
    /// it (without client tools: tool calls pause the run in `requires_action`).
    init(dataDir: String, scriptPath: String) throws {
        process = try AssistdProcess(framing: .ndjson, arguments: ["--data-dir", dataDir, "--model", "scripted:\(scriptPath)"])
        let reply = try call("initialize", ["clientInfo": ["name": "durability"]])
        guard reply["result"] != nil else { throw Failure("initialize: \(reply.serializedString())") }
        process.send(["jsonrpc": "2.0", "method": "initialized", "params": [:]])
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @discardableResult
    func send(_ method: String, _ params: JSONValue) -> Int64 {
        nextID += 1
        inFlight[nextID] = method
        process.send(["jsonrpc": "2.0", "id": .int(nextID), "method": .string(method), "params": params])
        return nextID
    }

    /// The next message (nil when none came within `seconds`); a response leaves `inFlight`.
    func next(within seconds: TimeInterval = 30) -> JSONValue? {
        guard let message = process.next(within: seconds) else { return nil }
        forget(message)
        return message
    }

    private func forget(_ message: JSONValue) {
        if message["method"] == nil, let id = message["id"]?.intValue { inFlight[id] = nil }
    }

    /// Sends one request and reads until its response, passing everything else to `other`.
    func call(_ method: String, _ params: JSONValue, other: (JSONValue) -> Void = { _ in }) throws -> JSONValue {
        let id = send(method, params)
        while true {
            guard let message = next() else { throw Failure("no response to \(method) within 30 s; stderr:\n\(process.stderrText)") }
            if message["method"] == nil, message["id"]?.intValue == id { return message }
            other(message)
        }
    }

    /// Sends all requests at once and returns their responses in the same order.
    func callAll(_ requests: [(String, JSONValue)], other: (JSONValue) -> Void = { _ in }) throws -> [JSONValue] {
        let ids = requests.map { send($0.0, $0.1) }
        var responses: [Int64: JSONValue] = [:]
        let wanted = Set(ids)
        while responses.count < ids.count {
            guard let message = next() else { throw Failure("\(ids.count - responses.count) responses missing after 30 s; stderr:\n\(process.stderrText)") }
            if message["method"] == nil, let id = message["id"]?.intValue, wanted.contains(id) {
                responses[id] = message
            } else {
                other(message)
            }
        }
        return ids.map { responses[$0]! }
    }

    /// SIGKILL, then every message the process wrote before it died (already in the pipe).
    func killHard() -> [JSONValue] {
        process.killHard()
        let rest = process.remainingMessages()
        rest.forEach(forget)
        return rest
    }

    /// Ends assistd cleanly.
    func finish() {
        _ = try? call("shutdown", .null)
        process.send(["jsonrpc": "2.0", "method": "exit"])
        process.closeStdin()
        _ = process.waitForExit()
    }
}

/// `PRAGMA integrity_check` of a data dir's database, from outside assistd (Python's sqlite3).
func integrityCheck(dataDir: String) throws -> String {
    let path = (dataDir as NSString).appendingPathComponent("assistd.sqlite3")
    let result = try CommandRunner.run(
        "/usr/bin/env", ["python3", "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])", path])
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Runs one changing statement on a data dir's database from outside assistd; returns the
/// number of rows it changed.
func sqliteChange(dataDir: String, _ sql: String) throws -> Int {
    let path = (dataDir as NSString).appendingPathComponent("assistd.sqlite3")
    let script = "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); n = db.execute(sys.argv[2]).rowcount; db.commit(); print(n)"
    let result = try CommandRunner.run("/usr/bin/env", ["python3", "-c", script, path, sql])
    return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
}

/// SplitMix64: a seeded generator, so that a failing round can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
