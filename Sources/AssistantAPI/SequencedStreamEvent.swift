/// An event of a run's stream with its index in the run (from 0): what `runs/stream` sends as
/// `seq`, the same for every attach, so that a client can splice streams without gaps or repeats.
public struct SequencedStreamEvent: Sendable, Equatable {
    public let seq: Int64
    public let event: StreamEvent

    public init(seq: Int64, event: StreamEvent) {
        self.seq = seq
        self.event = event
    }
}
