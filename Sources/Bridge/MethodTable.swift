import AssistantAPI
import JSONCore
import JSONRPC

/// A method's handler: params as sent (nil when absent) in, result out. Throws `JSONRPCError`
/// for protocol errors; other errors go through the bridge's error mapper.
typealias MethodHandler = @Sendable (RequestContext, JSONValue?, ThreadPlace?) async throws -> SerializedJSON

/// A request ready to run: its place on its thread is already reserved.
typealias PreparedRequest = @Sendable (RequestContext) async throws -> SerializedJSON

/// The client→server request methods beyond the lifecycle, one registration per declaration:
///
///     var methods = MethodTable(backends: backends)
///     methods.register(RetrieveRun.self)
public struct MethodTable: Sendable {
    private var handlers: [String: MethodHandler] = [:]
    private var orderings: [String: ThreadOrdering] = [:]
    private var startingAtOnce: Set<String> = []
    let threadOrder = ThreadOrderGate()
    private let backends: BackendSlot
    private let toolCallTimeout: Duration

    public init(backends: BackendSlot, toolCallTimeout: Duration = .seconds(300)) {
        self.backends = backends
        self.toolCallTimeout = toolCallTimeout
    }

    /// Every method of the Assistant API (`AssistantAPIMethods.all`).
    public static func assistantAPI(backends: BackendSlot, toolCallTimeout: Duration = .seconds(300)) -> MethodTable {
        var table = MethodTable(backends: backends, toolCallTimeout: toolCallTimeout)
        for method in AssistantAPIMethods.all { table.register(method) }
        return table
    }

    public mutating func register<Method: RequestMethod>(_ method: Method.Type) {
        precondition(!BridgeServer.builtInMethods.contains(Method.name), "\(Method.name) is handled by the bridge itself")
        precondition(handlers[Method.name] == nil, "\(Method.name) is registered twice")
        let backends = backends
        let toolCallTimeout = toolCallTimeout
        orderings[Method.name] = Method.threadOrdering
        if Method.startsAtOnce { startingAtOnce.insert(Method.name) }
        handlers[Method.name] = { context, params, place in
            defer { place?.leave() }
            let request: Method
            do throws(APIError) {
                request = try Method.read(params)
            } catch {
                // Bad params are -32602 whatever the error mapper says (protocol/README.md, "Errors").
                throw AssistantErrorMapping.jsonRPCError(for: error)
            }
            try await place?.waitForTurn()
            let call = MethodCall(
                backend: backends.current, context: context, toolCallTimeout: toolCallTimeout, threadPlace: place)
            return try await request.call(call).serializedResult()
        }
    }

    /// The request's handler, with its place on its thread reserved now. Called on the read
    /// thread in arrival order, which is what fixes the order of a thread's requests.
    func prepare(method: String, params: JSONValue?) -> PreparedRequest? {
        guard let handler = handlers[method] else { return nil }
        let place: ThreadPlace?
        if case .mutates(let threadParam)? = orderings[method], case .string(let threadID)? = params?[threadParam] {
            place = threadOrder.reserve(threadID: threadID)
        } else {
            place = nil
        }
        return { context in try await handler(context, params, place) }
    }

    /// Whether the method's requests start on the read thread (`RequestMethod.startsAtOnce`).
    func startsAtOnce(_ method: String) -> Bool { startingAtOnce.contains(method) }

    /// The registered method names, sorted.
    public var names: [String] { handlers.keys.sorted() }
}
