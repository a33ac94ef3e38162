import JSONCore

/// Hides secrets in JSON before it is stored, traced or logged: values of secret-bearing keys
/// (plugin `user_token`s, API keys, authorization headers) wherever they appear, and every value
/// of a `headers` object (`initializationOptions.headers` may carry a key under any name).
/// One rule for the `--trace` file and for tools written to the local database.
public enum SecretRedaction {
    public static let secretKeys: Set<String> = ["user_token", "api_key", "apikey", "authorization", "password", "secret", "token"]
    public static let secretSuffixes = ["_token", "-token", "api-key", "_secret", "-secret"]
    public static let replacement: JSONValue = "[redacted]"

    public static func isSecret(_ key: String) -> Bool {
        let key = key.lowercased()
        return secretKeys.contains(key) || secretSuffixes.contains { key.hasSuffix($0) }
    }

    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var redacted: JSONObject = [:]
            for (key, member) in object {
                if isSecret(key) {
                    redacted[key] = replacement
                } else if key.lowercased() == "headers", case .object(let headers) = member {
                    redacted[key] = .object(headers.mapValues { _ in replacement })
                } else {
                    redacted[key] = redact(member)
                }
            }
            return .object(redacted)
        case .array(let elements):
            return .array(elements.map(redact))
        default:
            return value
        }
    }
}
