/// A run's events in batches: the events that became available together (one network read of
/// the hosted service's stream, one delivery of the local engine), in the service's order. A
/// relay hands a batch on at once (one queueing, one write for many events), so that events do
/// not cross threads one at a time. A batch is never empty.
public typealias StreamEventBatches = AsyncThrowingStream<[StreamEvent], any Error>

extension AsyncThrowingStream where Element == [StreamEvent], Failure == any Error {
    /// The events one at a time, for a consumer that acts on each.
    public var events: StreamEventSequence { StreamEventSequence(batches: self) }
}

/// `StreamEventBatches.events`: the batches' events in order.
public struct StreamEventSequence: AsyncSequence, Sendable {
    public typealias Element = StreamEvent
    let batches: StreamEventBatches

    public func makeAsyncIterator() -> Iterator { Iterator(batches: batches.makeAsyncIterator()) }

    public struct Iterator: AsyncIteratorProtocol {
        var batches: StreamEventBatches.AsyncIterator
        var batch: [StreamEvent] = []
        var index = 0

        public mutating func next() async throws -> StreamEvent? {
            while index == batch.count {
                guard let next = try await batches.next() else { return nil }
                (batch, index) = (next, 0)
            }
            defer { index += 1 }
            return batch[index]
        }
    }
}

