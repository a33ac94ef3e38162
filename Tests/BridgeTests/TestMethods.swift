import AssistantAPI
import Bridge
import Foundation
import JSONCore

/// Methods declared by the tests: the protocol's names, bodies that never call the backend.

/// `threads/retrieve` answering who asked and whether the client answers tools.
struct EchoThread: RequestMethod {
    static let name = "threads/retrieve"
    let threadID: String
    init(params reader: inout ParamReader) throws(APIError) { threadID = try reader.id("thread_id") }
    func call(_ call: MethodCall) async throws -> JSONValue {
        ["id": .string(threadID), "asked_by": call.context.requestID.json, "tools": .bool(call.context.clientHandlesTools)]
    }
}

/// `threads/create` answering a fixed thread.
struct FixedThreadCreate: RequestMethod {
    static let name = "threads/create"
    init(params reader: inout ParamReader) throws(APIError) {}
    func call(_ call: MethodCall) async throws -> JSONValue { ["id": "thread_1"] }
}

/// `runs/create` streaming five events, then answering how many it sent.
struct FiveEventRun: RequestMethod {
    static let name = "runs/create"
    init(params reader: inout ParamReader) throws(APIError) {}
    func call(_ call: MethodCall) async throws -> JSONValue {
        let events = call.context.makeRunEventStream()
        try await events.emit(event: "thread.run.created", data: ["status": "queued"])
        for piece in ["9", "99", "999"] {
            try await events.emit(event: "thread.message.delta", data: ["delta": ["content": [["type": "text", "text": ["value": .string(piece)]]]]])
        }
        try await events.emit(event: "done", data: nil)
        return ["status": "completed", "events": .int(events.eventsSent)]
    }
}

/// `runs/create` asking the client to run a tool, answering the client's output.
struct ToolAskingRun: RequestMethod {
    static let name = "runs/create"
    init(params reader: inout ParamReader) throws(APIError) {}
    func call(_ call: MethodCall) async throws -> JSONValue {
        let output = try await call.context.sendRequest(
            method: "tools/call", params: ["tool_call": ["function": ["name": "add"]]], timeout: .seconds(60))
        return ["tool_output": output]
    }
}

/// `threads/retrieve` failing with a domain error of the tests' own.
struct MissingThread: RequestMethod {
    struct Missing: Error { let id: String }
    static let name = "threads/retrieve"
    let threadID: String
    init(params reader: inout ParamReader) throws(APIError) { threadID = try reader.id("thread_id") }
    func call(_ call: MethodCall) async throws -> JSONValue { throw Missing(id: threadID) }
}

/// `threads/delete` failing with an error no mapper knows.
struct UnmappedFailure: RequestMethod {
    static let name = "threads/delete"
    init(params reader: inout ParamReader) throws(APIError) {}
    func call(_ call: MethodCall) async throws -> JSONValue { throw CocoaError(.fileNoSuchFile) }
}

/// `runs/wait` that waits for an hour.
struct EndlessWait: RequestMethod {
    static let name = "runs/wait"
    init(params reader: inout ParamReader) throws(APIError) {}
    func call(_ call: MethodCall) async throws -> JSONValue {
        try await Task.sleep(for: .seconds(3600))
        return nil
    }
}

extension MethodTable {
    /// A table of the given test methods.
    static func testing(_ methods: any RequestMethod.Type...) -> MethodTable {
        var table = BridgeHarness.emptyTable()
        for method in methods { table.register(method) }
        return table
    }
}

/// Latches the thread-ordering tests open by name.
actor TestLatches {
    static let shared = TestLatches()
    private var opened: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// The latches passed, in the order they were.
    private(set) var passed: [String] = []

    func wait(_ name: String) async {
        if !opened.contains(name) {
            await withCheckedContinuation { waiters[name, default: []].append($0) }
        }
        passed.append(name)
    }

    func open(_ name: String) {
        opened.insert(name)
        for waiter in waiters.removeValue(forKey: name) ?? [] { waiter.resume() }
    }
}

/// `messages/create` ordered on its thread, waiting for the latch its `text` names before
/// answering the text.
struct LatchedMessageCreate: RequestMethod {
    static let name = "messages/create"
    static let threadOrdering = ThreadOrdering.mutates(threadParam: "thread_id")
    let text: String
    init(params reader: inout ParamReader) throws(APIError) {
        _ = try reader.id("thread_id")
        text = try reader.string("text")
    }
    func call(_ call: MethodCall) async throws -> JSONValue {
        await TestLatches.shared.wait(text)
        return .string(text)
    }
}
