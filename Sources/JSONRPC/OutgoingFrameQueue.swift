/// One serialized message waiting to be written. `stream` is the request it belongs to (its
/// events, requests and response), so that nothing of a request overtakes its own events.
struct OutgoingFrame: Sendable {
    /// The message's bytes in pieces, written one after another: a response's envelope goes
    /// around a result serialized beforehand without copying it into one buffer.
    let parts: [[UInt8]]
    let stream: RequestID?
    let byteCount: Int
    /// The bytes are framed already (several messages, each with its header or newline,
    /// `StreamMessageBatch`): they are written as they are.
    let framed: Bool

    init(body: [UInt8], stream: RequestID?) {
        self.init(parts: [body], stream: stream)
    }

    init(parts: [[UInt8]], stream: RequestID?) {
        self.parts = parts
        self.stream = stream
        byteCount = parts.reduce(0) { $0 + $1.count }
        framed = false
    }

    init(framed bytes: [UInt8], stream: RequestID?) {
        parts = [bytes]
        self.stream = stream
        byteCount = bytes.count
        framed = true
    }
}

/// A FIFO of frames that pops from the front without moving the rest.
struct OutgoingFrameQueue {
    /// Popped slots are nil, so a written frame's bytes are freed at once.
    private var frames: [OutgoingFrame?] = []
    private var head = 0

    var isEmpty: Bool { head == frames.count }
    var count: Int { frames.count - head }

    mutating func append(_ frame: OutgoingFrame) { frames.append(frame) }

    /// Puts a frame ahead of the others (the rest of one written in part).
    mutating func prepend(_ frame: OutgoingFrame) {
        if head > 0 {
            head -= 1
            frames[head] = frame
        } else {
            frames.insert(frame, at: 0)
        }
    }

    var first: OutgoingFrame? { head < frames.count ? frames[head] : nil }

    mutating func popFirst() -> OutgoingFrame? {
        guard head < frames.count else { return nil }
        let frame = frames[head]
        frames[head] = nil
        head += 1
        if head == frames.count {
            frames.removeAll(keepingCapacity: frames.count < 4096)
            head = 0
        } else if head >= 1024 && head * 2 >= frames.count {
            frames.removeFirst(head)
            head = 0
        }
        return frame
    }
}
