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
            let lastStart = bytes.count - needle.count
            var start = 0
            // Eight starts at a time, where the needle's first two bytes are: its first byte alone
            // (`s` of `sk-…`) is a common letter of JSON text.
            if needle.count >= 2 {
                let first = UInt64(needle[0]) &* lowBits
                let second = UInt64(needle[1]) &* lowBits
                while start + 9 <= bytes.count {
                    let here = UInt64(littleEndian: (base + start).loadUnaligned(as: UInt64.self))
                    let next = UInt64(littleEndian: (base + start + 1).loadUnaligned(as: UInt64.self))
                    var candidates = zeroBytes(here ^ first) & zeroBytes(next ^ second)
                    while candidates != 0 {
                        let at = start + candidates.trailingZeroBitCount >> 3
                        if at <= lastStart, memcmp(base + at, needle.baseAddress!, needle.count) == 0 { return true }
                        candidates &= candidates &- 1
                    }
                    start += 8
                }
            }
            while start <= lastStart {
                if base.load(fromByteOffset: start, as: UInt8.self) == needle[0], memcmp(base + start, needle.baseAddress!, needle.count) == 0 {
                    return true
                }
                start += 1
            }
            return false
        }
    }

    private static let lowBits: UInt64 = 0x0101_0101_0101_0101

    /// The high bit of each zero byte of `word`, and maybe of bytes after one (a borrow): a
    /// superset of the zero bytes, which is all a candidate search needs.
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- lowBits) & ~word & (lowBits &* 0x80)
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
