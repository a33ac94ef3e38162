import Foundation
import JSONCore
import XCTest

/// A JSON-RPC client over `AssistdProcess` for the end-to-end tests: numbered requests, replies
/// collected by id, each request's `runs/event` notifications kept in arrival order, and
/// server→client `tools/call` requests answered by a handler the test gives (or held back).
/// `DashScopeSession` is the same client with assistd pointed at a fake DashScope.
class AssistdSession: @unchecked Sendable {
    /// What the test does with one `tools/call` request: answer it, fail it, or hold it.
    enum ToolAnswer {
        case output(String)
        case error(code: Int64, message: String)
        case hold
    }

    /// A reply with what arrived for it: its stream's events (`runs/event` params, in order) and
    /// the whole message stream position of the reply relative to its events.
    struct Reply {
        var response: JSONValue
        var events: [JSONValue]
        var result: JSONValue? { response["result"] }
        var error: JSONValue? { response["error"] }
        var eventNames: [String] { events.compactMap { $0["event"]?.stringValue } }
    }

    struct RPCFailure: Error, CustomStringConvertible {
        let method: String
        let error: JSONValue
        var description: String { "\(method) failed: \(error.serializedString())" }
    }

    struct Hang: Error, CustomStringConvertible {
        let what: String
        let stderr: String
        var description: String { "no \(what) within the hang guard; assistd stderr:\n\(stderr)" }
    }

    let process: AssistdProcess
    let scriptPath: String?
    private var nextID: Int64 = 100
    /// Responses received that no one has taken yet.
    private var responses: [JSONValue: JSONValue] = [:]
    /// `runs/event` params by the id of the request that opened the stream, in arrival order.
    private(set) var events: [JSONValue: [JSONValue]] = [:]
    /// Every message in arrival order (for ordering checks: events before their response).
    private(set) var log: [JSONValue] = []
    /// tools/call requests received, in order (answered or not).
    private(set) var toolCalls: [JSONValue] = []
    /// `$/cancelRequest` notifications the server sent (for its own requests).
    private(set) var serverCancels: [JSONValue] = []
    /// Receives each `tools/call` request (the whole message); none holds them all.
    var toolHandler: ((JSONValue) -> ToolAnswer)?
    /// `initialize`'s answer.
    private(set) var initializeResult: JSONValue = .null

    /// Starts assistd with the scripted test model playing `script` (written to a temp file),
    /// plus `arguments`, and initializes it.
    convenience init(script: JSONValue, arguments: [String] = [], clientTools: Bool = true) throws {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-script-\(UUID().uuidString).json")
        try Data(script.serialized()).write(to: URL(fileURLWithPath: path))
        try self.init(arguments: ["--model", "scripted:\(path)"] + arguments, clientTools: clientTools, scriptPath: path)
    }

    /// Starts assistd with the scripted fixture `Tests/EndToEndTests/Scripts/NAME.json`.
    convenience init(fixture name: String, arguments: [String] = [], clientTools: Bool = true) throws {
        let path = AssistdSession.fixturePath(name)
        try self.init(arguments: ["--model", "scripted:\(path)"] + arguments, clientTools: clientTools)
    }

    /// Starts assistd with `arguments` (in memory unless they name a `--data-dir`) and, unless
    /// `initialize` is false, initializes it, declaring `tools/call` when `clientTools`.
    /// - Parameter environment: the child's whole environment when given (else this process's).
    init(
        arguments: [String], environment: [String: String]? = nil, framing: ClientFraming = .ndjson,
        initialize: Bool = true, clientTools: Bool = true, scriptPath: String? = nil
    ) throws {
        process = try AssistdProcess(framing: framing, arguments: arguments, environment: environment)
        self.scriptPath = scriptPath
        if initialize {
            let reply = try self.initialize(clientTools: clientTools, clientName: "runs-e2e")
            if let error = reply["error"] { throw RPCFailure(method: "initialize", error: error) }
        }
    }

    deinit {
        process.closeStdin()
        _ = process.waitForExit(within: 5)
        if let scriptPath { try? FileManager.default.removeItem(atPath: scriptPath) }
    }

    static func fixturePath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Scripts").appendingPathComponent("\(name).json").path
    }

    /// `initialize` (then `initialized` when it succeeds); returns the whole response.
    @discardableResult
    func initialize(options: JSONValue? = nil, clientTools: Bool = false, clientName: String = "e2e") throws -> JSONValue {
        var params: JSONObject = ["clientInfo": ["name": .string(clientName)]]
        if clientTools { params["capabilities"] = ["tools": ["call": true]] }
        if let options { params["initializationOptions"] = options }
        let reply = try request("initialize", .object(params)).response
        if let result = reply["result"] {
            initializeResult = result
            notify("initialized", [:])
        }
        return reply
    }

    /// Ends assistd cleanly (shutdown, exit) and returns its exit code.
    @discardableResult
    func finish() -> Int32? {
        _ = try? request("shutdown", nil)
        process.send(["jsonrpc": "2.0", "method": "exit"])
        process.closeStdin()
        return process.waitForExit()
    }

    // MARK: sending

    /// Sends a request and returns its id without waiting.
    @discardableResult
    func send(_ method: String, _ params: JSONValue?) -> JSONValue {
        nextID += 1
        let id = JSONValue.int(nextID)
        var message: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if let params { message["params"] = params }
        process.send(.object(message))
        return id
    }

    func notify(_ method: String, _ params: JSONValue) {
        process.send(["jsonrpc": "2.0", "method": .string(method), "params": params])
    }

    /// Asks the server to cancel request `id`.
    func cancel(_ id: JSONValue) {
        notify("$/cancelRequest", ["id": id])
    }

    /// Answers a server→client request held back earlier.
    func answerTool(id: JSONValue, _ answer: ToolAnswer) {
        switch answer {
        case .output(let text):
            process.send(["jsonrpc": "2.0", "id": id, "result": ["output": .string(text)]])
        case .error(let code, let message):
            process.send(["jsonrpc": "2.0", "id": id, "error": ["code": .int(code), "message": .string(message)]])
        case .hold:
            break
        }
    }

    // MARK: receiving

    /// Reads one message and files it. Throws on the hang guard.
    private func pump(within seconds: TimeInterval) throws {
        guard let message = process.next(within: seconds) else { throw Hang(what: "message", stderr: process.stderrText) }
        log.append(message)
        if let method = message["method"]?.stringValue {
            if let id = message["id"] {
                if method == "tools/call" {
                    toolCalls.append(message)
                    if let answer = toolHandler?(message) { answerTool(id: id, answer) }
                }
            } else if method == "runs/event", let request = message["params"]?["request"] {
                events[request, default: []].append(message["params"]!)
            } else if method == "$/cancelRequest" {
                serverCancels.append(message["params"] ?? .null)
            }
        } else if let id = message["id"] {
            responses[id] = message
        }
    }

    /// Waits for the reply to `id` (handling anything else that arrives meanwhile).
    func reply(to id: JSONValue, within seconds: TimeInterval = 30) throws -> Reply {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while responses[id] == nil {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { throw Hang(what: "reply to \(id)", stderr: process.stderrText) }
            try pump(within: left)
        }
        let response = responses.removeValue(forKey: id)!
        return Reply(response: response, events: events[id] ?? [])
    }

    /// The whole response to `id`.
    func response(to id: JSONValue, within seconds: TimeInterval = 60) throws -> JSONValue {
        try reply(to: id, within: seconds).response
    }

    /// Reads until `condition` holds (for a tools/call to arrive, an event to be seen, …).
    func pump(until condition: () -> Bool, within seconds: TimeInterval = 30) throws {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !condition() {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { throw Hang(what: "awaited message", stderr: process.stderrText) }
            try pump(within: left)
        }
    }

    /// Events received so far for a request that has not been answered yet.
    func pendingEvents(of id: JSONValue) -> [JSONValue] { events[id] ?? [] }

    /// Waits until `count` events of request `id` arrived.
    @discardableResult
    func waitForEvents(of id: JSONValue, count: Int, within seconds: TimeInterval = 60) throws -> [JSONValue] {
        try pump(until: { (events[id]?.count ?? 0) >= count }, within: seconds)
        return events[id] ?? []
    }

    /// A request and its reply.
    func request(_ method: String, _ params: JSONValue?) throws -> Reply {
        try reply(to: send(method, params))
    }

    /// A request's result; a JSON-RPC error fails the test at the caller's line and throws `RPCFailure`.
    @discardableResult
    func call(_ method: String, _ params: JSONValue, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let reply = try request(method, params)
        if let error = reply.error {
            XCTFail("\(method) failed: \(error.serializedString())", file: file, line: line)
            throw RPCFailure(method: method, error: error)
        }
        return reply.result ?? .null
    }

    /// A request that must fail: its error object.
    func callError(_ method: String, _ params: JSONValue, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let reply = try request(method, params)
        guard let error = reply.error else {
            XCTFail("\(method) succeeded but should have failed: \(reply.response.serializedString())", file: file, line: line)
            return .null
        }
        return error
    }

    // MARK: conveniences

    static let bigAdd: JSONValue = [
        "type": "function",
        "function": [
            "name": "big_add", "description": "Add to number",
            "parameters": [
                "type": "object",
                "properties": [
                    "left": ["type": "integer", "description": "The left operator"],
                    "right": ["type": "integer", "description": "The right operator."],
                ],
                "required": ["left", "right"],
            ],
        ],
    ]

    func assistant(tools: [JSONValue] = [], extra: JSONObject = [:]) throws -> String {
        var params: JSONObject = ["model": "qwen-max", "name": "runs e2e", "tools": .array(tools)]
        params.merge(extra) { $1 }
        return try XCTUnwrap(call("assistants/create", .object(params))["id"]?.stringValue)
    }

    func thread(_ text: String = "hello") throws -> String {
        try XCTUnwrap(call("threads/create", ["messages": [["role": "user", "content": .string(text)]]])["id"]?.stringValue)
    }

    func retrieveRun(_ thread: String, _ run: String) throws -> JSONValue {
        try call("runs/retrieve", ["thread_id": .string(thread), "run_id": .string(run)])
    }

    func waitRun(_ thread: String, _ run: String, timeoutMs: Int64? = nil) throws -> JSONValue {
        var params: JSONObject = ["thread_id": .string(thread), "run_id": .string(run)]
        if let timeoutMs { params["timeout_ms"] = .int(timeoutMs) }
        return try call("runs/wait", .object(params))
    }

    func steps(_ thread: String, _ run: String) throws -> [JSONValue] {
        try call("steps/list", ["thread_id": .string(thread), "run_id": .string(run), "order": "asc"])["data"]?.arrayValue ?? []
    }

    func messages(_ thread: String) throws -> [JSONValue] {
        try call("messages/list", ["thread_id": .string(thread), "order": "asc"])["data"]?.arrayValue ?? []
    }

    /// Polls `runs/retrieve` until the run's status is one of `statuses` (for changes that
    /// happen without an event to wait on, such as expiry). A hang guard, not a timing check.
    func pollRun(_ thread: String, _ run: String, until statuses: Set<String>, within seconds: TimeInterval = 20) throws -> JSONValue {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while true {
            let current = try retrieveRun(thread, run)
            if let status = current["status"]?.stringValue, statuses.contains(status) { return current }
            if Date() > deadline { throw Hang(what: "run status in \(statuses) (last \(current["status"] ?? .null))", stderr: process.stderrText) }
            usleep(50_000)
        }
    }
}

extension JSONValue {
    /// The text of a message object's first text part.
    var messageText: String? { self["content"]?.arrayValue?.first?["text"]?["value"]?.stringValue }
    /// The text of a `thread.message.delta` event's data.
    var deltaText: String? { self["delta"]?["content"]?.arrayValue?.first?["text"]?["value"]?.stringValue }
    var status: String? { self["status"]?.stringValue }
    var id: String? { self["id"]?.stringValue }
}

/// Checks shared by the streaming tests: `seq` 0… without gaps, every event names this request,
/// `done` exactly once and last, and every event before the response in the wire order.
func assertWellFormedStream(
    _ reply: AssistdSession.Reply, requestID: JSONValue, log: [JSONValue], file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(reply.events.map { $0["seq"]?.intValue ?? -1 }, Array(0..<Int64(reply.events.count)), "seq counts from 0 without gaps", file: file, line: line)
    XCTAssertTrue(reply.events.allSatisfy { $0["request"] == requestID }, "every event names its request", file: file, line: line)
    XCTAssertEqual(reply.eventNames.filter { $0 == "done" }.count, 1, "one done: \(reply.eventNames)", file: file, line: line)
    XCTAssertEqual(reply.eventNames.last, "done", file: file, line: line)
    XCTAssertEqual(reply.events.last?["data"], .null, "done carries null (protocol/README.md)", file: file, line: line)
    let responseIndex = log.lastIndex { $0["id"] == requestID && $0["method"] == nil }
    let lastEventIndex = log.lastIndex { $0["method"] == "runs/event" && $0["params"]?["request"] == requestID }
    if let responseIndex, let lastEventIndex {
        XCTAssertLessThan(lastEventIndex, responseIndex, "every event is written before the response", file: file, line: line)
    }
}
