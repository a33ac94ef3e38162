import AssistdSupport
import Foundation
import JSONCore

/// Why a stream frame was not queued.
public enum OutputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The peer read nothing for longer than the stall limit while output was waiting.
    case peerStalled(seconds: Double)
    /// The output is closed, or a write to it failed.
    case closed

    public var description: String {
        switch self {
        case .peerStalled(let seconds): return "the client read no output for \(seconds) s"
        case .closed: return "the protocol output is closed"
        }
    }
}

/// The one writer of the protocol stream, on a thread of its own (blocking writes). A frame
/// queued while nothing is queued or being written is written by the thread that queues it, as
/// far as the output takes it without blocking (the rest goes first to the writer thread): a
/// response then costs no wake-up of another thread.
///
/// Two lanes: *stream* frames (run events), which are bounded by a byte budget and whose
/// producers suspend while it is full, and *urgent* frames (responses, requests, other
/// notifications), which are never held back by queued events, so a read or a cancel is
/// answered at once under any streaming load. Order: frames of one lane go out in the order
/// queued; a frame that belongs to a request (`stream:`) whose events are still queued goes
/// behind them, so a request's events always precede its own response.
///
/// A peer that reads nothing for `stallLimit` while output waits is *stalled*: waiting producers
/// fail with `OutputError.peerStalled`, as do new ones while the budget is full, until it reads
/// again.
final class OrderedWriter: @unchecked Sendable {
    // @unchecked: every mutable field below is guarded by `condition`.
    struct Limits: Sendable {
        var streamBudgetBytes: Int
        var stallLimit: Duration?
        /// Bytes of urgent frames (responses) queued before the reader waits to read more input.
        var urgentBacklogBytes = 64 << 20
    }

    private let fileDescriptor: Int32
    private let trace: MessageTrace?
    private let logger: Logger
    private let limits: Limits
    private let condition = NSCondition()
    /// The stall watcher sleeps on this one, not on `condition`: every frame queued and every
    /// write broadcasts there, and waking the watcher for each was a thread switch per response.
    private let stallWatchSleep = NSCondition()

    private var mode: FramingMode
    private var urgent = OutgoingFrameQueue()
    private var urgentBytes = 0
    private var streamLane = OutgoingFrameQueue()
    private var streamLaneBytes = 0
    /// Frames per request still queued in the stream lane.
    private var queuedPerStream: [RequestID: Int] = [:]
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0
    private var writing = false
    /// Callers of `flush` waiting now.
    private var flushing = 0
    private var broken = false
    private var closed = false
    private var stalled = false
    /// Uptime (ns) of the last write progress, or of when output started waiting.
    private var lastProgress: UInt64 = 0

    /// A producer whose frames wait for room; they go into the lane together.
    private struct Waiter {
        let id: UInt64
        let frames: [OutgoingFrame]
        let byteCount: Int
        let continuation: CheckedContinuation<Void, any Error>
    }

    init(fileDescriptor: Int32, mode: FramingMode, limits: Limits, trace: MessageTrace?, logger: Logger) {
        self.fileDescriptor = fileDescriptor
        self.mode = mode
        self.limits = limits
        self.trace = trace
        self.logger = logger
        let writerThread = Thread { [self] in writeLoop() }
        writerThread.name = "jsonrpc.writer"
        writerThread.stackSize = 1 << 20
        writerThread.start()
        if limits.stallLimit != nil {
            let watch = Thread { [self] in watchForStall() }
            watch.name = "jsonrpc.stall-watch"
            watch.stackSize = 256 << 10
            watch.start()
        }
    }

    /// Set once the reader has seen which framing the peer uses (auto mode).
    func setMode(_ mode: FramingMode) {
        condition.locked { self.mode = mode }
    }

    // MARK: - Queueing

    /// Queues a message that must not wait: urgent unless its request still has events queued.
    /// Never blocks.
    func enqueue(_ message: JSONValue, stream: RequestID? = nil) {
        enqueue(frame: makeFrame(message, stream: stream))
    }

    /// `enqueue` for a response whose result is already serialized.
    func enqueue(response id: RequestID, result: SerializedJSON, stream: RequestID? = nil) {
        if let trace {
            let parsed = (try? result.parsed()) ?? .null
            trace.record(.outgoing, message: OutgoingMessage.response(id: id, outcome: .success(parsed)).json)
        }
        enqueue(frame: OutgoingFrame(parts: MessageSerialization.response(id: id, result: result), stream: stream))
    }

    private func enqueue(frame: OutgoingFrame) {
        let writeHere = condition.locked { () -> FramingMode? in
            guard !closed && !broken else { return nil }
            if let stream = frame.stream, queuedPerStream[stream] != nil {
                appendToStreamLane(frame)
            } else if takesInlineWrite(frame) {
                return mode
            } else {
                appendToUrgent(frame)
            }
            condition.broadcast()
            return nil
        }
        if let writeHere { writeInline(frame, mode: writeHere) }
    }

    /// Queues a message behind everything queued so far, events included (a batch's replies).
    func enqueueAfterEverything(_ message: JSONValue) {
        let frame = makeFrame(message, stream: nil)
        let writeHere = condition.locked { () -> FramingMode? in
            guard !closed && !broken else { return nil }
            if streamLane.isEmpty && waiters.isEmpty {
                if takesInlineWrite(frame) { return mode }
                appendToUrgent(frame)
            } else {
                appendToStreamLane(frame)
            }
            condition.broadcast()
            return nil
        }
        if let writeHere { writeInline(frame, mode: writeHere) }
    }

    // MARK: - Writing on the caller's thread

    /// Frames up to this size may be written by the thread that queues them.
    private static let inlineFrameBytes = 64 << 10

    /// With the lock held: when nothing is queued or being written, the caller writes the frame
    /// itself (`writeInline`), which saves waking the writer thread for each response; returns
    /// whether it does, having claimed the output (`writing`).
    private func takesInlineWrite(_ frame: OutgoingFrame) -> Bool {
        guard !writing, urgent.isEmpty, streamLane.isEmpty, waiters.isEmpty, frame.byteCount <= Self.inlineFrameBytes else {
            return false
        }
        writing = true
        lastProgress = DispatchTime.now().uptimeNanoseconds
        return true
    }

    /// Writes a frame claimed by `takesInlineWrite` as far as the output takes it without
    /// blocking (a caller such as the read thread must never wait on the peer); what is left
    /// goes first in the queue, for the writer thread, which also reports a failed output.
    private func writeInline(_ frame: OutgoingFrame, mode: FramingMode) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(frame.byteCount + 32)
        Self.append(frame, mode: mode, to: &bytes)
        let written = bytes.withUnsafeBytes { writeWhileWritable(fileDescriptor, $0) }
        condition.locked {
            writing = false
            if written > 0 {
                lastProgress = DispatchTime.now().uptimeNanoseconds
                stalled = false
            }
            if written < bytes.count {
                let rest = OutgoingFrame(framed: Array(bytes[written...]), stream: nil)
                urgent.prepend(rest)
                urgentBytes += rest.byteCount
            }
            // Only when someone waits for the output: waking the writer thread for nothing
            // costs the switches this write saved.
            if !urgent.isEmpty || !streamLane.isEmpty || !waiters.isEmpty || closed || flushing > 0 {
                condition.broadcast()
            }
        }
    }

    /// Queues a stream frame, suspending while the stream budget is full (back-pressure).
    /// Throws `OutputError` when the peer is stalled or the output closed, and
    /// `CancellationError` when the calling task is cancelled while waiting.
    func send(_ message: JSONValue, stream: RequestID) async throws {
        try await send([makeFrame(message, stream: stream)])
    }

    /// A batch to fill with messages framed as the output frames them.
    func makeStreamBatch() -> StreamMessageBatch {
        StreamMessageBatch(mode: condition.locked { mode })
    }

    /// `send` for several messages of one stream, queued together in order: one frame, one
    /// wake-up of the writer, written as it is.
    func send(_ batch: StreamMessageBatch, stream: RequestID) async throws {
        if let trace {
            for body in batch.bodies { trace.record(.outgoing, message: (try? JSONValue.parse(batch.bytes[body])) ?? .null) }
        }
        guard !batch.isEmpty else { return }
        try await send([OutgoingFrame(framed: batch.bytes, stream: stream)])
    }

    /// Queues the frames together: all at once when they fit in the budget (or the lane is
    /// empty), else the producer waits for room for all of them.
    private func send(_ frames: [OutgoingFrame]) async throws {
        guard !frames.isEmpty else { return }
        let byteCount = frames.reduce(0) { $0 + $1.byteCount }
        let admitted = try condition.locked { () throws -> Bool in
            if closed || broken { throw OutputError.closed }
            guard waiters.isEmpty, fits(byteCount) else {
                if stalled { throw OutputError.peerStalled(seconds: stallSeconds) }
                return false
            }
            for frame in frames { appendToStreamLane(frame) }
            condition.broadcast()
            return true
        }
        if admitted { return }
        let id = condition.locked { () -> UInt64 in
            nextWaiterID += 1
            return nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let refusal = condition.locked { () -> (any Error)? in
                    if Task.isCancelled { return CancellationError() }
                    if closed || broken { return OutputError.closed }
                    waiters.append(Waiter(id: id, frames: frames, byteCount: byteCount, continuation: continuation))
                    condition.broadcast()
                    return nil
                }
                if let refusal { continuation.resume(throwing: refusal) }
            }
        } onCancel: {
            // Runs under the task's own lock: take only ours, and resume after releasing it.
            let removed = condition.locked { () -> Waiter? in
                guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return waiters.remove(at: index)
            }
            removed?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Bytes of stream frames queued now (for tests and figures).
    var queuedStreamBytes: Int { condition.locked { streamLaneBytes } }

    private func makeFrame(_ message: JSONValue, stream: RequestID?) -> OutgoingFrame {
        trace?.record(.outgoing, message: message)
        return OutgoingFrame(body: MessageSerialization.serialize(message), stream: stream)
    }

    private func fits(_ byteCount: Int) -> Bool {
        streamLaneBytes == 0 || streamLaneBytes + byteCount <= limits.streamBudgetBytes
    }

    private var stallSeconds: Double {
        guard let limit = limits.stallLimit else { return 0 }
        return Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
    }

    /// With the lock held.
    private func appendToUrgent(_ frame: OutgoingFrame) {
        noteWorkArrives()
        urgent.append(frame)
        urgentBytes += frame.byteCount
    }

    /// Input back-pressure: returns once fewer than `urgentBacklogBytes` of responses wait, or
    /// the peer is stalled (then reading goes on, so that EOF and cancels are still seen), or
    /// the output closed. Called by the reader before it reads more requests.
    func waitForUrgentRoom() {
        condition.lock()
        while urgentBytes >= limits.urgentBacklogBytes && !stalled && !broken && !closed {
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.25))
        }
        condition.unlock()
    }

    /// With the lock held.
    private func appendToStreamLane(_ frame: OutgoingFrame) {
        noteWorkArrives()
        streamLane.append(frame)
        streamLaneBytes += frame.byteCount
        if let stream = frame.stream { queuedPerStream[stream, default: 0] += 1 }
    }

    /// With the lock held: idle time before now is not the peer's stall.
    private func noteWorkArrives() {
        if !writing && urgent.isEmpty && streamLane.isEmpty { lastProgress = DispatchTime.now().uptimeNanoseconds }
    }

    /// With the lock held: moves waiting producers' frames in while they fit; returns them.
    private func admitWaiters() -> [Waiter] {
        var admitted: [Waiter] = []
        while let first = waiters.first, fits(first.byteCount) {
            waiters.removeFirst()
            for frame in first.frames { appendToStreamLane(frame) }
            admitted.append(first)
        }
        return admitted
    }

    // MARK: - Writing

    private func writeLoop() {
        condition.lock()
        while true {
            let admitted = admitWaiters()
            if !admitted.isEmpty {
                condition.unlock()
                for waiter in admitted { waiter.continuation.resume() }
                condition.lock()
                continue
            }
            // A frame being written by the thread that queued it goes first.
            if writing {
                condition.wait()
                continue
            }
            // Every frame ready goes out in one write (urgent ones first, each lane in order):
            // one system call for many small events instead of one or two each.
            var batch = takeBatch()
            if batch.isEmpty {
                if closed || broken { break }
                condition.wait()
                continue
            }
            writing = true
            let mode = self.mode
            let alreadyBroken = broken
            condition.unlock()
            let written = alreadyBroken || write(frames: batch.frames, mode: mode)
            batch.frames = []
            condition.lock()
            writing = false
            urgentBytes -= batch.urgentBytes
            streamLaneBytes -= batch.streamBytes
            for (stream, count) in batch.perStream {
                let left = (queuedPerStream[stream] ?? count) - count
                queuedPerStream[stream] = left > 0 ? left : nil
            }
            if !written && !broken {
                broken = true
                logger.error("protocol output failed (\(String(cString: strerror(errno)))); further messages are dropped")
                let failed = waiters
                waiters = []
                condition.unlock()
                for waiter in failed { waiter.continuation.resume(throwing: OutputError.closed) }
                condition.lock()
            }
            condition.broadcast()
        }
        condition.unlock()
    }

    private struct Batch {
        var frames: [OutgoingFrame] = []
        var urgentBytes = 0
        var streamBytes = 0
        var perStream: [RequestID: Int] = [:]
        var isEmpty: Bool { frames.isEmpty }
    }

    /// A batch's size: a pipe's buffer, so a response queued meanwhile waits for one short write
    /// at most; bigger frames go alone, written from their own buffer.
    private static let batchBytes = 64 << 10
    private static let batchedFrameBytes = 16 << 10

    /// With the lock held: takes the frames to write next, urgent ones first.
    private func takeBatch() -> Batch {
        var batch = Batch()
        var bytes = 0
        func fits(_ frame: OutgoingFrame) -> Bool {
            batch.isEmpty || (frame.byteCount <= Self.batchedFrameBytes && bytes + frame.byteCount <= Self.batchBytes)
        }
        while let frame = urgent.first, fits(frame) {
            _ = urgent.popFirst()
            batch.frames.append(frame)
            batch.urgentBytes += frame.byteCount
            bytes += frame.byteCount
        }
        while let frame = streamLane.first, fits(frame) {
            _ = streamLane.popFirst()
            batch.frames.append(frame)
            batch.streamBytes += frame.byteCount
            bytes += frame.byteCount
            if let stream = frame.stream { batch.perStream[stream, default: 0] += 1 }
        }
        return batch
    }

    /// Writes frames (headers or newlines included): small ones gathered into one buffer, a big
    /// one in pieces, noting progress after each write.
    private func write(frames: [OutgoingFrame], mode: FramingMode) -> Bool {
        if frames.count == 1 { return write(frames[0], mode: mode) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(frames.reduce(0) { $0 + $1.byteCount + 32 })
        for frame in frames { Self.append(frame, mode: mode, to: &buffer) }
        return writeNoting(buffer[...])
    }

    /// Appends the frame with its header or newline.
    private static func append(_ frame: OutgoingFrame, mode: FramingMode, to buffer: inout [UInt8]) {
        if mode == .lsp && !frame.framed { buffer.append(contentsOf: "Content-Length: \(frame.byteCount)\r\n\r\n".utf8) }
        for part in frame.parts { buffer.append(contentsOf: part) }
        if mode == .ndjson && !frame.framed { buffer.append(UInt8(ascii: "\n")) }
    }

    /// Writes one frame (header or newline included) in pieces, noting progress after each.
    private func write(_ frame: OutgoingFrame, mode: FramingMode) -> Bool {
        let pieceSize = 256 << 10
        switch frame.framed ? nil : mode {
        case nil:
            break
        case .lsp?:
            guard writeNoting(Array("Content-Length: \(frame.byteCount)\r\n\r\n".utf8)[...]) else { return false }
        case .ndjson?:
            break
        }
        for body in frame.parts {
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + pieceSize)
                guard writeNoting(body[offset..<end]) else { return false }
                offset = end
            }
        }
        if mode == .ndjson && !frame.framed { return writeNoting([UInt8(ascii: "\n")][...]) }
        return true
    }

    private func writeNoting(_ bytes: ArraySlice<UInt8>) -> Bool {
        let ok = writeAll(fileDescriptor, bytes)
        if ok {
            condition.locked {
                lastProgress = DispatchTime.now().uptimeNanoseconds
                stalled = false
            }
        }
        return ok
    }

    // MARK: - Stalls, flush, close

    private func watchForStall() {
        guard let limit = limits.stallLimit else { return }
        let limitNanoseconds = UInt64(stallSeconds * 1e9)
        let tick = max(0.02, min(1.0, stallSeconds / 4))
        while true {
            stallWatchSleep.lock()
            _ = stallWatchSleep.wait(until: Date(timeIntervalSinceNow: tick))
            stallWatchSleep.unlock()
            condition.lock()
            if closed || broken { break }
            let waiting = writing || !urgent.isEmpty || !streamLane.isEmpty
            let now = DispatchTime.now().uptimeNanoseconds
            guard waiting, !stalled, now > lastProgress, now - lastProgress >= limitNanoseconds else {
                condition.unlock()
                continue
            }
            stalled = true
            let failed = waiters
            waiters = []
            let queued = streamLaneBytes
            condition.unlock()
            logger.warning(
                "the client read no output for \(limit) with \(queued) bytes of events queued: "
                    + "ending the streams that wait (\(failed.count))")
            for waiter in failed { waiter.continuation.resume(throwing: OutputError.peerStalled(seconds: stallSeconds)) }
        }
        condition.unlock()
    }

    /// Waits until everything queued so far is written, or the deadline passes (a peer that
    /// stopped reading). Returns whether the output drained.
    @discardableResult
    func flush(timeout: DispatchTime) -> Bool {
        let seconds = Double(Int64(timeout.uptimeNanoseconds) - Int64(DispatchTime.now().uptimeNanoseconds)) / 1e9
        let deadline = Date(timeIntervalSinceNow: max(0, seconds))
        condition.lock()
        flushing += 1
        defer {
            flushing -= 1
            condition.unlock()
        }
        while !broken && (writing || !urgent.isEmpty || !streamLane.isEmpty || !waiters.isEmpty) {
            if !condition.wait(until: deadline) { return false }
        }
        return true
    }

    /// Stops accepting frames; producers still waiting fail with `OutputError.closed`. What is
    /// queued is still written; then the writer thread ends.
    func close() {
        let failed = condition.locked { () -> [Waiter] in
            closed = true
            condition.broadcast()
            defer { waiters = [] }
            return waiters
        }
        for waiter in failed { waiter.continuation.resume(throwing: OutputError.closed) }
        stallWatchSleep.locked { stallWatchSleep.signal() }
    }
}

extension NSCondition {
    fileprivate func locked<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body()
    }
}
