/// How messages are delimited on the wire.
public enum FramingMode: String, Sendable, CaseIterable {
    /// LSP base protocol: `Content-Length: N\r\n\r\n` then N bytes of UTF-8.
    case lsp
    /// Newline-delimited JSON: one message per line (`\n` or `\r\n`).
    case ndjson
}

/// The `--framing` choice: a fixed mode, or `auto` (decided by the first non-whitespace input byte).
public enum FramingSelection: String, Sendable, CaseIterable {
    case auto, lsp, ndjson

    public var fixedMode: FramingMode? {
        switch self {
        case .auto: return nil
        case .lsp: return .lsp
        case .ndjson: return .ndjson
        }
    }
}

/// Why a stretch of input could not be framed. The parser has already resynchronised when it
/// reports one of these; the connection answers it with an error response and goes on.
public enum FramingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A header line that is not `Name: value` (its text, shortened).
    case malformedHeader(String)
    /// A header block that ended without `Content-Length`.
    case missingContentLength
    /// A `Content-Length` whose value is not a decimal byte count.
    case invalidContentLength(String)
    /// A message longer than the cap. `length` is the declared length (LSP) or nil when it was
    /// cut off as it grew (a newline-delimited line).
    case messageTooLarge(length: Int?, limit: Int)
    /// Input ended in the middle of a message body.
    case truncatedMessage(expected: Int, received: Int)

    public var description: String {
        switch self {
        case .malformedHeader(let line): return "malformed header line '\(line)' (expected 'Name: value')"
        case .missingContentLength: return "header block has no Content-Length"
        case .invalidContentLength(let value): return "Content-Length '\(value)' is not a byte count"
        case .messageTooLarge(let length?, let limit):
            return "message of \(length) bytes exceeds the limit of \(limit) bytes"
        case .messageTooLarge(nil, let limit): return "message exceeds the limit of \(limit) bytes"
        case .truncatedMessage(let expected, let received):
            return "input ended after \(received) of \(expected) body bytes"
        }
    }
}

/// What the parser produces: a complete message body, or a framing error.
public enum FrameEvent: Sendable, Equatable {
    case message([UInt8])
    case error(FramingError)
}

/// Writes one message body in a framing. Lengths are bytes of the UTF-8 body.
public enum FrameEncoder {
    public static func encode(_ body: [UInt8], mode: FramingMode) -> [UInt8] {
        switch mode {
        case .lsp:
            var out = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
            out.reserveCapacity(out.count + body.count)
            out.append(contentsOf: body)
            return out
        case .ndjson:
            // Our serializer escapes every control character, so a body never contains a newline.
            var out = body
            out.append(UInt8(ascii: "\n"))
            return out
        }
    }
}
