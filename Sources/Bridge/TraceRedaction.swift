import JSONCore

/// The redaction hook for `--trace`: values of secret-bearing keys (plugin `user_token`s, API
/// keys, authorization headers) are replaced wherever they appear in a message.
public enum TraceRedaction {
    public static let secretKeys: Set<String> = ["user_token", "api_key", "apikey", "authorization", "password", "secret"]
    public static let replacement: JSONValue = "[redacted]"

    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var redacted: JSONObject = [:]
            for (key, member) in object {
                redacted[key] = secretKeys.contains(key.lowercased()) ? replacement : redact(member)
            }
            return .object(redacted)
        case .array(let elements):
            return .array(elements.map(redact))
        default:
            return value
        }
    }
}
