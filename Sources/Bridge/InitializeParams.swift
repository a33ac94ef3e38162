import AssistantAPI
import JSONCore

/// `initialize`'s params (protocol/README.md, "Lifecycle"), read with the same reader as every
/// method's, so its errors have the same shape.
struct InitializeParams {
    var clientName: String?
    /// `capabilities` as sent (empty when absent).
    var capabilities: JSONObject
    var initializationOptions: JSONObject

    init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        _ = try reader.optionalInt("processId")
        _ = try reader.optionalString("protocolVersion")
        var clientInfo = try reader.optionalObject("clientInfo")
        clientName = try clientInfo?.string("name")
        _ = try clientInfo?.optionalString("version")
        capabilities = [:]
        if var declared = try reader.optionalObject("capabilities") {
            _ = try declared.optionalBool("clientTools")
            // Only `tools.call` is ours to check: other members of `tools` are the client's business.
            if case .object(let tools)? = declared.object["tools"] {
                var tools = try ParamReader(.object(tools), path: declared.name("tools"))
                _ = try tools.optionalBool("call")
            }
            capabilities = declared.object
        }
        initializationOptions = try reader.optionalObject("initializationOptions")?.object ?? [:]
    }
}
