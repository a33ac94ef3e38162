import AssistantAPI
import JSONCore
import JSONRPC

/// A method's handler: params as sent (nil when absent) in, result out. Throws `JSONRPCError`
/// for protocol errors; other errors go through the bridge's error mapper.
typealias MethodHandler = @Sendable (RequestContext, JSONValue?) async throws -> JSONValue

/// The client→server request methods beyond the lifecycle, one registration per declaration:
///
///     var methods = MethodTable(backends: backends)
///     methods.register(RetrieveRun.self)
public struct MethodTable: Sendable {
    private var handlers: [String: MethodHandler] = [:]
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
        handlers[Method.name] = { context, params in
            let request: Method
            do throws(APIError) {
                request = try Method.read(params)
            } catch {
                // Bad params are -32602 whatever the error mapper says (protocol/README.md, "Errors").
                throw AssistantErrorMapping.jsonRPCError(for: error)
            }
            let call = MethodCall(backend: backends.current, context: context, toolCallTimeout: toolCallTimeout)
            return try await request.call(call).resultJSON()
        }
    }

    /// The registered method names, sorted.
    public var names: [String] { handlers.keys.sorted() }

    func handler(for method: String) -> MethodHandler? { handlers[method] }
}
