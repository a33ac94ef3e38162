import JSONCore

/// The protocol's OpenRPC document, protocol/assistd.openrpc.json, compiled in (the EmbedOpenRPC
/// build plugin writes `EmbeddedOpenRPC.text` from the file) so the binary answers
/// `rpc.discover` wherever it is installed.
public enum OpenRPCDocument {
    public static let value: JSONValue = {
        do {
            return try JSONValue.parse(EmbeddedOpenRPC.text)
        } catch {
            fatalError("the embedded OpenRPC document is not valid JSON: \(error)")
        }
    }()
}
