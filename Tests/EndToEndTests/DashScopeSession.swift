import Foundation
import JSONCore
import XCTest

/// assistd started with `--backend dashscope` against a fake DashScope server, and a small
/// JSON-RPC client for it: numbered requests, `runs/event` notifications collected per
/// request, `tools/call` answered by a closure, responses matched by id.
final class DashScopeSession: @unchecked Sendable {
    let fake: FakeDashScopeProcess
    let process: AssistdProcess
    private var nextID: Int64 = 1
    /// `runs/event` params by the id of the request that opened the stream, in arrival order.
    private(set) var events: [Int64: [JSONValue]] = [:]
    /// Every `tools/call` request the server sent (whole messages).
    private(set) var toolCalls: [JSONValue] = []
    /// Answers a `tools/call` (its params) with its result; nil answers with an error.
    var answerToolCall: ((JSONValue) -> JSONValue?)?
    private var parkedResponses: [Int64: JSONValue] = [:]

    /// The child's environment: this process's, less any DashScope settings of the machine
    /// running the tests, plus `environment`.
    static func childEnvironment(_ environment: [String: String]) -> [String: String] {
        var result = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DASHSCOPE_") && $0.key != "ASSISTD_BACKEND" }
        result.merge(environment) { _, new in new }
        return result
    }

    /// Starts assistd with `--backend dashscope --base-url <fake> --workspace ws-test` (unless
    /// `arguments` name their own) and the key in DASHSCOPE_API_KEY (unless `environment` says otherwise).
    init(
        fake: FakeDashScopeProcess? = nil, arguments: [String] = [], environment: [String: String]? = nil,
        framing: ClientFraming = .ndjson
    ) throws {
        self.fake = try fake ?? FakeDashScopeProcess()
        var flags = ["--backend", "dashscope"]
        if !arguments.contains("--base-url") { flags += ["--base-url", self.fake.baseURL] }
        if !arguments.contains("--workspace") { flags += ["--workspace", "ws-test"] }
        process = try AssistdProcess(
            framing: framing, arguments: flags + arguments,
            environment: Self.childEnvironment(environment ?? ["DASHSCOPE_API_KEY": FakeDashScopeProcess.apiKey]))
    }

    /// Ends assistd cleanly (shutdown, exit) and returns its exit code.
    @discardableResult
    func finish() -> Int32? {
        let id = send("shutdown", nil)
        _ = try? response(to: id)
        process.send(["jsonrpc": "2.0", "method": "exit"])
        process.closeStdin()
        return process.waitForExit()
    }

    // MARK: requests

    /// `initialize` (and `initialized`); returns the whole response.
    @discardableResult
    func initialize(options: JSONValue? = nil, clientTools: Bool = false) throws -> JSONValue {
        var params: JSONObject = ["clientInfo": ["name": "dashscope-e2e"]]
        if clientTools { params["capabilities"] = ["tools": ["call": true]] }
        if let options { params["initializationOptions"] = options }
        let reply = try call("initialize", .object(params))
        if reply["result"] != nil { process.send(["jsonrpc": "2.0", "method": "initialized", "params": [:]]) }
        return reply
    }

    /// Sends a request and returns its id without waiting.
    @discardableResult
    func send(_ method: String, _ params: JSONValue?) -> Int64 {
        let id = nextID
        nextID += 1
        var message: JSONObject = ["jsonrpc": "2.0", "id": .int(id), "method": .string(method)]
        if let params { message["params"] = params }
        process.send(.object(message))
        return id
    }

    func cancel(_ id: Int64) {
        process.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": .int(id)]])
    }

    /// The response to `id`, handling whatever arrives first.
    func response(to id: Int64, within seconds: TimeInterval = 60) throws -> JSONValue {
        if let parked = parkedResponses.removeValue(forKey: id) { return parked }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            guard let message = process.next(within: deadline.timeIntervalSinceNow) else { break }
            guard let answered = handle(message) else { continue }
            if answered == id { return message }
            parkedResponses[answered] = message
        }
        throw SessionError(message: "no response to request \(id); stderr:\n\(process.stderrText)")
    }

    /// Waits until `count` events of request `id` arrived (answering tool calls meanwhile).
    func waitForEvents(of id: Int64, count: Int, within seconds: TimeInterval = 60) throws -> [JSONValue] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while events[id, default: []].count < count {
            guard Date() < deadline, let message = process.next(within: deadline.timeIntervalSinceNow) else {
                throw SessionError(message: "only \(events[id, default: []].count) of \(count) events of request \(id) arrived")
            }
            if let answered = handle(message) { parkedResponses[answered] = message }
        }
        return events[id, default: []]
    }

    /// The whole response message.
    func call(_ method: String, _ params: JSONValue?) throws -> JSONValue {
        try response(to: send(method, params))
    }

    /// The result; fails the test (and throws) on an error response.
    func result(_ method: String, _ params: JSONValue?, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let reply = try call(method, params)
        guard let result = reply["result"] else {
            XCTFail("\(method) failed: \(reply)", file: file, line: line)
            throw SessionError(message: "\(method) failed: \(reply)")
        }
        return result
    }

    /// The error object; fails the test (and throws) on success.
    func error(_ method: String, _ params: JSONValue?, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let reply = try call(method, params)
        guard let error = reply["error"] else {
            XCTFail("\(method) should have failed: \(reply)", file: file, line: line)
            throw SessionError(message: "\(method) succeeded")
        }
        return error
    }

    /// Files a message; returns the id of the response it is, if it is one.
    private func handle(_ message: JSONValue) -> Int64? {
        if let method = message["method"]?.stringValue {
            if method == "runs/event", let params = message["params"], let request = params["request"]?.intValue {
                events[request, default: []].append(params)
            } else if method == "tools/call", let id = message["id"] {
                toolCalls.append(message)
                if let result = answerToolCall?(message["params"] ?? .null) {
                    process.send(["jsonrpc": "2.0", "id": id, "result": result])
                } else {
                    process.send(["jsonrpc": "2.0", "id": id, "error": ["code": -32000, "message": "the test client refused"]])
                }
            }
            return nil
        }
        return message["id"]?.intValue
    }

    struct SessionError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    // MARK: fixtures

    static let weatherTool: JSONValue = [
        "type": "function",
        "function": [
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": [
                "type": "object",
                "properties": ["location": ["type": "string", "description": "The city"]],
                "required": ["location"],
            ],
        ],
    ]

    /// An assistant, and a thread holding one user message; returns their ids.
    func assistantAndThread(saying text: String, tools: [JSONValue] = []) throws -> (assistant: String, thread: String) {
        var params: JSONObject = ["model": "qwen-max", "instructions": "You are helpful."]
        if !tools.isEmpty { params["tools"] = .array(tools) }
        let assistant = try result("assistants/create", .object(params))["id"]?.stringValue ?? ""
        let thread = try result("threads/create", ["messages": [["role": "user", "content": .string(text)]]])["id"]?.stringValue ?? ""
        return (assistant, thread)
    }

    /// The text of a stream's `thread.message.delta` events.
    static func deltaText(_ events: [JSONValue]) -> String {
        events.filter { $0["event"] == "thread.message.delta" }
            .compactMap { $0["data"]?["delta"]?["content"]?.arrayValue?.first?["text"]?["value"]?.stringValue }
            .joined()
    }
}

extension JSONValue {
    /// `self[key]` as a string, "" when absent (keeps assertions short).
    func text(_ key: String) -> String { self[key]?.stringValue ?? "" }
}
