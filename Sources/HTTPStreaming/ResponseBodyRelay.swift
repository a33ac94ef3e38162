import Foundation

/// Hands a response body from URLSession's delegate queue to its reader, in the order the
/// network delivered it. Chunks that arrive before the reader exists are buffered; attaching
/// the reader replays them and publishes the stream in one step under the lock, and every
/// later chunk is yielded under the same lock, so a chunk arriving while the buffer is being
/// replayed can neither overtake it nor be finished away before it.
final class ResponseBodyRelay: @unchecked Sendable {
    // @unchecked: every field is read and written under `lock`.
    private let lock = NSLock()
    private var continuation: AsyncThrowingStream<Data, any Error>.Continuation?
    private var buffered: [Data] = []
    private var ended = false
    private var failure: (any Error)?

    init() {}

    /// The next piece of the body (delegate queue).
    func append(_ data: Data) {
        lock.withLock {
            if let continuation { continuation.yield(data) } else if !ended { buffered.append(data) }
        }
    }

    /// The body's end, with the error that ended it, if any (delegate queue).
    func finish(throwing error: (any Error)?) {
        lock.withLock {
            guard !ended else { return }
            ended = true
            failure = error
            guard let continuation else { return }
            if let error { continuation.finish(throwing: error) } else { continuation.finish() }
        }
    }

    /// The body as a stream (call once): everything buffered so far, then the rest as it
    /// arrives. `onCancel` runs when the reader stops iterating before the end.
    func makeStream(onCancel: @escaping @Sendable () -> Void) -> AsyncThrowingStream<Data, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        continuation.onTermination = { termination in
            if case .cancelled = termination { onCancel() }
        }
        lock.withLock {
            for chunk in buffered { continuation.yield(chunk) }
            buffered = []
            if ended {
                if let failure { continuation.finish(throwing: failure) } else { continuation.finish() }
            } else {
                self.continuation = continuation
            }
        }
        return stream
    }
}
