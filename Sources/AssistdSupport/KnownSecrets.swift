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
            guard !needle.isEmpty, needle.count <= bytes.count, let base = bytes.baseAddress else { return false }
            // memchr finds candidates for the needle's rarest byte in JSON text (the `s` of `sk-…`
            // is in every other key; its `-` seldom is); memcmp checks the whole needle there.
            let anchor = rarestInJSONText(needle)
            let lastAnchor = bytes.count - needle.count + anchor
            var start = anchor
            while start <= lastAnchor {
                guard let found = memchr(base + start, Int32(needle[anchor]), lastAnchor - start + 1) else { return false }
                let offset = base.distance(to: UnsafeRawPointer(found))
                if memcmp(base + (offset - anchor), needle.baseAddress!, needle.count) == 0 { return true }
                start = offset + 1
            }
            return false
        }
    }

    /// The position of the needle's byte least common in JSON text: a lowercase letter or JSON's
    /// punctuation least of all, then digits, uppercase letters, anything else best.
    private static func rarestInJSONText(_ needle: UnsafeBufferPointer<UInt8>) -> Int {
        func commonness(_ byte: UInt8) -> Int {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), 0x20, 0x22, 0x2C, 0x2E, 0x3A, 0x5B, 0x5D, 0x5F, 0x7B, 0x7D: return 3
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return 2
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): return 1
            default: return 0
            }
        }
        var best = 0
        var bestCommonness = Int.max
        for (position, byte) in needle.enumerated() {
            let value = commonness(byte)
            if value < bestCommonness {
                (best, bestCommonness) = (position, value)
                if value == 0 { break }
            }
        }
        return best
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
