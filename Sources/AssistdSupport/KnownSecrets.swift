import Foundation

/// The secret values this process was given: API keys (from the environment, a key file,
/// `initializationOptions`), custom header values, plugin `user_token`s seen in tools. Every
/// text that leaves the process (error messages, log lines, trace lines) is scrubbed of them
/// wherever they appear, whatever field carried them: a server or proxy may echo a request's
/// headers or body back in its error text.
///
/// Values shorter than `minimumLength` are not scrubbed from free text (a header such as
/// `X-Debug: 1` would otherwise blank every `1`); fields known to hold secrets are still
/// redacted by name where JSON is redacted.
public enum KnownSecrets {
    public static let minimumLength = 8
    public static let placeholder = "[redacted]"

    /// Longest first, so a secret that contains another is replaced whole.
    private static let values = Locked<[String]>([])

    public static func register(_ value: String?) {
        guard let value else { return }
        let secret = value.trimmingWhitespace
        guard secret.count >= minimumLength, secret != placeholder else { return }
        values.withLock { values in
            guard !values.contains(secret) else { return }
            values.append(secret)
            values.sort { $0.count > $1.count }
        }
    }

    /// `text` with every known secret replaced by the placeholder.
    public static func scrub(_ text: String) -> String {
        let secrets = values.current
        guard !secrets.isEmpty else { return text }
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: placeholder)
        }
        return result
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
