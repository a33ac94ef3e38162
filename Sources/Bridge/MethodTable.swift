import JSONCore
import JSONRPC

/// A method's handler: params as sent (nil when absent or null) in, result out. Throw
/// `JSONRPCError` for protocol errors; other errors go through the bridge's error mapper.
public typealias MethodHandler = @Sendable (RequestContext, JSONValue?) async throws -> JSONValue

/// Whether a method of the protocol works yet; mirrors `x-assistd-status` in the OpenRPC document.
public enum MethodStatus: String, Sendable {
    case implemented
    /// Declared in the protocol, answered -32601 "not implemented yet" until registered.
    case planned
}

/// The client→server request methods beyond the lifecycle. One line per method:
///
///     var methods = MethodTable.assistantAPI()
///     methods.register("threads/create") { context, params in try await backend.createThread(params) }
public struct MethodTable: Sendable {
    enum Entry: Sendable {
        case implemented(MethodHandler)
        case planned
    }

    private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Every Assistant API method of DESIGN.md, declared planned.
    public static func assistantAPI() -> MethodTable {
        var table = MethodTable()
        table.declarePlanned(AssistantAPIMethods.all)
        return table
    }

    /// Registers (or replaces) a handler; a planned method becomes implemented.
    public mutating func register(_ method: String, _ handler: @escaping MethodHandler) {
        precondition(!BridgeServer.builtInMethods.contains(method), "\(method) is handled by the bridge itself")
        entries[method] = .implemented(handler)
    }

    /// Declares methods that exist in the protocol but are not implemented yet.
    public mutating func declarePlanned(_ methods: [String]) {
        for method in methods where entries[method] == nil {
            entries[method] = .planned
        }
    }

    public var statuses: [String: MethodStatus] {
        entries.mapValues { entry in
            if case .implemented = entry { return .implemented }
            return .planned
        }
    }

    func entry(for method: String) -> Entry? { entries[method] }
}

/// The Assistant API as JSON-RPC methods (DESIGN.md).
public enum AssistantAPIMethods {
    public static let all: [String] = [
        "assistants/create", "assistants/list", "assistants/retrieve", "assistants/update", "assistants/delete",
        "threads/create", "threads/retrieve", "threads/update", "threads/delete",
        "messages/create", "messages/list", "messages/retrieve", "messages/update",
        "runs/create", "runs/createThreadAndRun", "runs/list", "runs/retrieve", "runs/update",
        "runs/submitToolOutputs", "runs/wait", "runs/cancel",
        "steps/list", "steps/retrieve",
        "assistants/files/create", "assistants/files/list", "assistants/files/retrieve", "assistants/files/delete",
        "messages/files/list", "messages/files/retrieve",
    ]
}
