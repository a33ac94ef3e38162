import AssistantAPI
import JSONCore

/// One client→server request of the protocol, declared once: its name, its params (read once,
/// into stored properties), its result and its call on the backend. `MethodTable.register`
/// makes the handler; the method list, `capabilities.methods` and the check against
/// protocol/assistd.openrpc.json all derive from the registrations.
public protocol RequestMethod: Sendable {
    associatedtype Result: MethodResult

    /// The JSON-RPC method name, as protocol/assistd.openrpc.json spells it.
    static var name: String { get }

    /// The reader for the params as sent (nil when absent). A method overrides it only to accept
    /// an odd spelling of "no params".
    static func reader(for params: JSONValue?) throws(APIError) -> ParamReader

    /// Whether requests of this method on one thread take effect in arrival order
    /// (`ThreadOrdering`). Reads and `runs/cancel` never wait.
    static var threadOrdering: ThreadOrdering { get }

    /// Whether a request starts on the read thread (`RequestRoute.runSerializedAtOnce`): a read
    /// of stored objects the local backend answers without suspending, and the hosted one sends
    /// before its first wait, so it costs no hand-off between threads. Never for work that may
    /// block or take long before it suspends.
    static var startsAtOnce: Bool { get }

    /// Reads every field the method knows; an error names the field (`data.param`).
    init(params: inout ParamReader) throws(APIError)

    func call(_ call: MethodCall) async throws -> Result
}

extension RequestMethod {
    public static func reader(for params: JSONValue?) throws(APIError) -> ParamReader {
        try ParamReader(params)
    }

    public static var threadOrdering: ThreadOrdering { .none }

    public static var startsAtOnce: Bool { false }

    /// The method's params read from the JSON as sent.
    public static func read(_ params: JSONValue?) throws(APIError) -> Self {
        var reader = try reader(for: params)
        return try Self(params: &reader)
    }
}

/// What a method's call gets: the connection's backend as it is now, and the request.
public struct MethodCall: Sendable {
    public let backend: any AssistantBackend
    public let context: RequestContext
    /// How long the client may take to answer one `tools/call` (runs with `handle_tools`).
    let toolCallTimeout: Duration
    /// The request's turn on its thread (methods with `threadOrdering`), left when the call ends
    /// or, for a run, once the backend has created it.
    let threadPlace: ThreadPlace?
}

/// How a method's requests are ordered among the other requests on the same thread.
public enum ThreadOrdering: Sendable, Equatable {
    /// Runs as soon as it arrives.
    case none
    /// Changes the thread the param names: waits until every earlier such request on that thread
    /// is done, so pipelined requests take effect in the order they were sent.
    case mutates(threadParam: String)
}

extension MethodCall {
    /// Starts a streamed run, then gives up the request's turn on its thread: the run exists once
    /// the backend returns its stream, and holding the turn for the whole stream would keep a
    /// later `messages/create` waiting for the run's end (it is refused with -32014 instead, as
    /// while any run is active).
    func leavingThreadQueue<Events: Sendable>(_ start: @Sendable () async throws -> Events) async throws -> Events {
        defer { threadPlace?.leave() }
        return try await start()
    }
}
