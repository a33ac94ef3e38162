import AssistdSupport
import Foundation

/// The DashScope API key. Every way Swift has of printing a value (`description`,
/// `debugDescription`, `dump`/`Mirror`, `Codable`) shows a placeholder, so a key held in a
/// configuration can be logged or encoded by accident without leaking. Only `bearerHeader`
/// (for the `Authorization` header), `redact(_:)` and `registerAsKnownSecret()` touch the secret.
public struct APIKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable, Codable {
    private let secret: String

    public init(_ secret: String) {
        self.secret = secret
    }

    public var isEmpty: Bool { secret.isEmpty }

    public var description: String { "APIKey(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    /// `Bearer <key>`, for the `Authorization` header only.
    var bearerHeader: String { "Bearer \(secret)" }

    /// `text` with every occurrence of the key replaced, for anything that may reach a log or an
    /// error (a service message or a proxy's error page can echo the header back).
    public func redact(_ text: String) -> String {
        guard secret.count >= 4, text.contains(secret) else { return text }
        return text.replacingOccurrences(of: secret, with: "[redacted]")
    }

    /// Makes the key one of the process's `KnownSecrets`, scrubbed from every log, trace and error.
    public func registerAsKnownSecret() {
        KnownSecrets.register(secret)
    }

    /// Encodes as a placeholder, never the key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode("[redacted]")
    }

    public init(from decoder: any Decoder) throws {
        secret = try decoder.singleValueContainer().decode(String.self)
    }
}
