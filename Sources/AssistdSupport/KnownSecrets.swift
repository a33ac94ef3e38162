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

    /// The secrets known now, longest first.
    public static var current: [String] { values.current }

    /// `text` with every known secret replaced by the placeholder.
    public static func scrub(_ text: String) -> String {
        let secrets = values.current
        guard !secrets.isEmpty else { return text }
        var result = text
        // A byte search first: Foundation's `contains` is slow, and nearly every text holds no secret.
        for secret in secrets where mayContain(result, secret) {
            result = result.replacingOccurrences(of: secret, with: placeholder)
        }
        return result
    }

    private static func mayContain(_ text: String, _ secret: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { appears(secret, in: UnsafeRawBufferPointer($0)) } ?? text.contains(secret)
    }

    /// Whether `secret`'s UTF-8 bytes appear in `bytes`.
    public static func appears(_ secret: String, in bytes: UnsafeRawBufferPointer) -> Bool {
        var secret = secret
        return secret.withUTF8 { needle in
            guard let first = needle.first, needle.count <= bytes.count, let base = bytes.baseAddress else { return false }
            var start = 0
            let lastStart = bytes.count - needle.count
            while start <= lastStart {
                // memchr finds candidates for the first byte; memcmp checks the rest.
                guard let found = memchr(base + start, Int32(first), lastStart - start + 1) else { return false }
                let offset = base.distance(to: UnsafeRawPointer(found))
                if memcmp(found, needle.baseAddress!, needle.count) == 0 { return true }
                start = offset + 1
            }
            return false
        }
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
