import AssistdSupport
import Foundation
import JSONCore

/// The one writer of the protocol stream. Messages are written in the order they are enqueued,
/// on a serial queue; `enqueue` never blocks, so the reader never waits on the writer.
final class OrderedWriter: Sendable {
    private let fileDescriptor: Int32
    private let queue = DispatchQueue(label: "jsonrpc.writer")
    private let state: Locked<State>
    private let trace: MessageTrace?
    private let logger: Logger

    private struct State {
        var mode: FramingMode
        var broken = false
    }

    init(fileDescriptor: Int32, mode: FramingMode, trace: MessageTrace?, logger: Logger) {
        self.fileDescriptor = fileDescriptor
        self.state = Locked(State(mode: mode))
        self.trace = trace
        self.logger = logger
    }

    /// Set once the reader has seen which framing the peer uses (auto mode).
    func setMode(_ mode: FramingMode) {
        state.withLock { $0.mode = mode }
    }

    func enqueue(_ message: JSONValue) {
        queue.async { [self] in
            let mode = state.withLock { $0.mode }
            trace?.record(.outgoing, message: message)
            let bytes = FrameEncoder.encode(MessageSerialization.serialize(message), mode: mode)
            let alreadyBroken = state.withLock { $0.broken }
            guard !alreadyBroken else { return }
            if !writeAll(fileDescriptor, bytes) {
                let reason = String(cString: strerror(errno))
                state.withLock { $0.broken = true }
                logger.error("protocol output failed (\(reason)); further messages are dropped")
            }
        }
    }

    /// Waits until everything enqueued so far is written, or the timeout passes (a peer that
    /// stopped reading). Returns whether the queue drained.
    @discardableResult
    func flush(timeout: DispatchTime) -> Bool {
        let drained = DispatchSemaphore(value: 0)
        queue.async { drained.signal() }
        return drained.wait(timeout: timeout) == .success
    }
}
