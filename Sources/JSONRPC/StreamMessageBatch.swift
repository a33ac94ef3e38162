import JSONCore

/// Several messages of one request's stream, framed for the output as they are added, in one
/// buffer: the writer queues them together and writes the buffer as it is (no allocation, copy
/// or wake-up per message). Made by `RequestChannel.makeStreamBatch()`.
public struct StreamMessageBatch: Sendable {
    let mode: FramingMode
    /// The framed messages back to back.
    private(set) var bytes: [UInt8] = []
    /// Where each message's body lies in `bytes` (for the trace).
    private(set) var bodies: [Range<Int>] = []
    /// An LSP body is written here first: its header needs its length.
    private var scratch: [UInt8] = []

    init(mode: FramingMode) {
        self.mode = mode
    }

    public var isEmpty: Bool { bodies.isEmpty }

    /// Room for about this many more bytes of bodies.
    public mutating func reserveCapacity(_ bodyBytes: Int) {
        bytes.reserveCapacity(bytes.count + bodyBytes)
    }

    /// Adds one message that `write` appends whole (one JSON value, no line break in it).
    public mutating func append(message write: (inout [UInt8]) -> Void) {
        switch mode {
        case .ndjson:
            let start = bytes.count
            write(&bytes)
            bodies.append(start..<bytes.count)
            bytes.append(UInt8(ascii: "\n"))
        case .lsp:
            scratch.removeAll(keepingCapacity: true)
            write(&scratch)
            bytes.append(contentsOf: "Content-Length: \(scratch.count)\r\n\r\n".utf8)
            bodies.append(bytes.count..<bytes.count + scratch.count)
            bytes.append(contentsOf: scratch)
        }
    }

    /// `append(message:)` for a message whose size is known before it is written: an LSP header
    /// then goes first and the body is written once, in place (no scratch copy).
    public mutating func append(messageOfCount count: Int, write: (inout [UInt8]) -> Void) {
        guard mode == .lsp else { return append(message: write) }
        bytes.append(contentsOf: "Content-Length: \(count)\r\n\r\n".utf8)
        let start = bytes.count
        write(&bytes)
        precondition(bytes.count - start == count, "a message of \(bytes.count - start) bytes was announced as \(count)")
        bodies.append(start..<bytes.count)
    }

    /// Adds a notification, written as `OrderedWriter` writes every message.
    public mutating func append(notification method: String, params: JSONValue?) {
        let message = OutgoingMessage.notification(method: method, params: params).json
        append { MessageSerialization.write(message, to: &$0) }
    }
}
