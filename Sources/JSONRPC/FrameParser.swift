/// A synchronous state machine that turns input bytes into message bodies. Feed it any chunks
/// (one byte at a time works); it returns the events those bytes complete.
///
/// Bounded memory: an LSP body longer than the cap is skipped as it streams by, never buffered,
/// and a newline-delimited line is cut off as soon as it grows past the cap.
/// After a header error the parser resynchronises at the next `Content-Length` it sees.
public struct FrameParser: Sendable {
    public static let defaultMaxMessageBytes = 64 << 20
    static let maxHeaderLineBytes = 8 * 1024

    public let maxMessageBytes: Int
    /// The framing in use: fixed at creation, or decided by the first non-whitespace byte in auto
    /// mode (`C`/`c`, the start of a `Content-` header, selects LSP; anything else NDJSON).
    public private(set) var mode: FramingMode?

    private enum State: Sendable {
        case detecting
        case header
        /// Looking for "content-length" (case-insensitive) after bad input; `matched` bytes so far.
        case resync(matched: Int)
        case body(length: Int)
        case skipping(remaining: Int)
        case line
        case discardingLine
    }

    private var state: State
    private var buffer: [UInt8] = []
    /// Content-Length seen in the header block being read.
    private var contentLength: Int?
    private var headerLines = 0

    /// Bytes held for a message in progress (tests use it to check that skipped input is not kept).
    public var bufferedByteCount: Int { buffer.count }

    public init(framing: FramingSelection = .auto, maxMessageBytes: Int = FrameParser.defaultMaxMessageBytes) {
        self.maxMessageBytes = maxMessageBytes
        self.mode = framing.fixedMode
        switch framing {
        case .auto: state = .detecting
        case .lsp: state = .header
        case .ndjson: state = .line
        }
    }

    public mutating func feed(_ bytes: [UInt8]) -> [FrameEvent] {
        bytes.withUnsafeBufferPointer { feed($0) }
    }

    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) -> [FrameEvent] {
        var events: [FrameEvent] = []
        var index = 0
        while index < bytes.count {
            index = step(bytes, from: index, into: &events)
        }
        return events
    }

    /// Call at end of input: a final newline-delimited message without its newline is delivered;
    /// a body cut short is reported.
    public mutating func finish() -> [FrameEvent] {
        defer { buffer = [] }
        switch state {
        case .line:
            state = .line
            let line = trimmedLine(buffer)
            // While reading, a line may hold one byte over the cap (its '\r'); a last line has none.
            if line.count > maxMessageBytes { return [.error(.messageTooLarge(length: line.count, limit: maxMessageBytes))] }
            return line.isEmpty ? [] : [.message(line)]
        case .body(let length):
            state = .header
            return [.error(.truncatedMessage(expected: length, received: buffer.count))]
        default:
            return []
        }
    }

    // MARK: - One step: consumes at least one byte, returns the next index.

    private mutating func step(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, into events: inout [FrameEvent]) -> Int {
        switch state {
        case .detecting:
            let byte = bytes[start]
            if isWhitespace(byte) { return start + 1 }
            // LSP input starts with a header ("Content-Length" or "Content-Type"); anything else
            // is taken for newline-delimited JSON, so even a bad first line gets a JSON error.
            if byte == UInt8(ascii: "C") || byte == UInt8(ascii: "c") {
                mode = .lsp
                state = .header
            } else {
                mode = .ndjson
                state = .line
            }
            return start  // re-read this byte in the chosen mode

        case .header:
            readHeaderByte(bytes[start], into: &events)
            return start + 1

        case .resync(let matched):
            let pattern = Self.contentLengthPattern
            let byte = lowercased(bytes[start])
            if byte == pattern[matched] {
                if matched + 1 == pattern.count {
                    buffer = Array("content-length".utf8)
                    contentLength = nil
                    headerLines = 0
                    state = .header
                } else {
                    state = .resync(matched: matched + 1)
                }
            } else {
                state = .resync(matched: byte == pattern[0] ? 1 : 0)
            }
            return start + 1

        case .body(let length):
            let take = min(length - buffer.count, bytes.count - start)
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<start + take]))
            if buffer.count == length {
                events.append(.message(buffer))
                buffer = []
                state = .header
            }
            return start + take

        case .skipping(let remaining):
            let take = min(remaining, bytes.count - start)
            state = remaining - take == 0 ? .header : .skipping(remaining: remaining - take)
            return start + take

        case .line:
            let newline = firstNewline(bytes, from: start)
            let end = newline ?? bytes.count
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
            // One extra byte allows a '\r' before the newline.
            if buffer.count > maxMessageBytes + 1 {
                events.append(.error(.messageTooLarge(length: nil, limit: maxMessageBytes)))
                buffer = []
                if newline == nil {
                    state = .discardingLine
                    return end
                }
                return end + 1
            }
            guard let newline else { return end }
            let line = trimmedLine(buffer)
            buffer = []
            if line.count > maxMessageBytes {
                events.append(.error(.messageTooLarge(length: line.count, limit: maxMessageBytes)))
            } else if !line.isEmpty {
                events.append(.message(line))
            }
            return newline + 1

        case .discardingLine:
            guard let newline = firstNewline(bytes, from: start) else { return bytes.count }
            state = .line
            return newline + 1
        }
    }

    private static let contentLengthPattern = Array("content-length".utf8)

    private mutating func readHeaderByte(_ byte: UInt8, into events: inout [FrameEvent]) {
        if byte != UInt8(ascii: "\n") {
            if buffer.count >= Self.maxHeaderLineBytes {
                fail(.malformedHeader(preview(buffer) + "…"), into: &events)
                return
            }
            buffer.append(byte)
            return
        }
        var line = buffer
        buffer = []
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        if line.isEmpty {
            if headerLines == 0 { return }  // blank lines between messages are harmless
            finishHeaderBlock(into: &events)
            return
        }
        headerLines += 1
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            fail(.malformedHeader(preview(line)), into: &events)
            return
        }
        let name = trimmed(line[..<colon])
        let value = trimmed(line[(colon + 1)...])
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
            fail(.malformedHeader(preview(line)), into: &events)
            return
        }
        // Content-Type and any other header are accepted and ignored.
        guard name.map(lowercased) == Self.contentLengthPattern else { return }
        guard let length = parseLength(value) else {
            fail(.invalidContentLength(preview(value)), into: &events)
            return
        }
        if let previous = contentLength, previous != length {
            fail(.malformedHeader("conflicting Content-Length values \(previous) and \(length)"), into: &events)
            return
        }
        contentLength = length
    }

    private mutating func finishHeaderBlock(into events: inout [FrameEvent]) {
        defer {
            contentLength = nil
            headerLines = 0
        }
        guard let length = contentLength else {
            fail(.missingContentLength, into: &events)
            return
        }
        if length > maxMessageBytes {
            events.append(.error(.messageTooLarge(length: length, limit: maxMessageBytes)))
            state = .skipping(remaining: length)
            return
        }
        if length == 0 {
            events.append(.message([]))
            state = .header
            return
        }
        buffer.reserveCapacity(length)
        state = .body(length: length)
    }

    private mutating func fail(_ error: FramingError, into events: inout [FrameEvent]) {
        events.append(.error(error))
        buffer = []
        contentLength = nil
        headerLines = 0
        state = .resync(matched: 0)
    }

    // MARK: - Byte helpers

    private func parseLength(_ digits: [UInt8]) -> Int? {
        guard !digits.isEmpty, digits.count <= 18,
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    private func firstNewline(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { return index }
            index += 1
        }
        return nil
    }

    private func trimmedLine(_ line: [UInt8]) -> [UInt8] {
        var end = line.count
        if end > 0 && line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if line[..<end].allSatisfy(isWhitespace) { return [] }
        return end == line.count ? line : Array(line[..<end])
    }

    private func trimmed(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice.removeFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice.removeLast() }
        return Array(slice)
    }

    private func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    /// RFC 7230 token characters.
    private func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    private func preview(_ bytes: [UInt8]) -> String {
        let shown = bytes.prefix(80).map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "?" }
        return String(shown)
    }
}
