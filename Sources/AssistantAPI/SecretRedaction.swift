import AssistdSupport
import JSONCore

/// Hides secrets in JSON before it is stored, traced or logged: values of secret-bearing keys
/// (plugin `user_token`s, API keys, authorization headers) wherever they appear, every value
/// of a `headers` object (`initializationOptions.headers` may carry a key under any name), and
/// every occurrence of a value the process knows is secret (`KnownSecrets`) inside any string.
/// One rule for the `--trace` file and for tools written to the local database. The values it
/// hides by key are learned as known secrets, so an echo of them elsewhere is scrubbed too.
public enum SecretRedaction {
    public static let secretKeys: Set<String> = ["user_token", "api_key", "apikey", "authorization", "password", "secret", "token"]
    public static let secretSuffixes = ["_token", "-token", "api-key", "_secret", "-secret"]
    public static let replacement: JSONValue = .string(KnownSecrets.placeholder)

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
                    learn(member)
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
        case .string(let text):
            return .string(KnownSecrets.scrub(text))
        default:
            return value
        }
    }

    /// Registers the values of secret-bearing keys in `value` (a request about to be sent) as
    /// known secrets, leaving `value` as it is.
    public static func learnSecrets(in value: JSONValue) {
        switch value {
        case .object(let object):
            for (key, member) in object {
                if isSecret(key) { learn(member) } else { learnSecrets(in: member) }
            }
        case .array(let elements):
            elements.forEach(learnSecrets)
        default:
            break
        }
    }

    /// `value` with every known secret replaced inside its strings (keys and structure kept):
    /// for answers and errors that may echo a secret under a name that does not say so.
    public static func scrubKnownSecrets(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object): return .object(object.mapValues(scrubKnownSecrets))
        case .array(let elements): return .array(elements.map(scrubKnownSecrets))
        case .string(let text): return .string(KnownSecrets.scrub(text))
        default: return value
        }
    }

    /// Every string under a secret key, however nested (`"token": {"value": …}`).
    private static func learn(_ value: JSONValue) {
        switch value {
        case .string(let text): KnownSecrets.register(text)
        case .object(let object): object.values.forEach(learn)
        case .array(let elements): elements.forEach(learn)
        default: break
        }
    }
}
