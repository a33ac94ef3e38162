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

    /// Reads every field the method knows; an error names the field (`data.param`).
    init(params: inout ParamReader) throws(APIError)

    func call(_ call: MethodCall) async throws -> Result
}

extension RequestMethod {
    public static func reader(for params: JSONValue?) throws(APIError) -> ParamReader {
        try ParamReader(params)
    }

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
}
