import AssistantAPI

/// `runs/stream` on the hosted backend. The service keeps no replayable stream, so the events are
/// synthesised from the run's state, the same sequence for every attach (hence the same `seq`s):
/// `thread.run.created`, then once the run is terminal or `requires_action` (the run is polled
/// with backoff), for each step in order `thread.run.step.<its status>` after,, for a message step,
/// `thread.message.created`, one `thread.message.delta` with the whole text and
/// `thread.message.completed`; then the run's final `thread.run.<status>` and `done`. What it
/// cannot reproduce: per-token deltas, the intermediate statuses (`queued`, `in_progress`,
/// step `created`/`in_progress`), and the `seq`s of the stream that started the run.
extension DashScopeBackend {
    static let followBackoffMilliseconds: [UInt64] = [250, 500, 1000, 2000]

    public func attachRun(threadID: String, runID: String, afterSeq: Int64?) async throws -> AsyncThrowingStream<SequencedStreamEvent, any Error> {
        let first = try await retrieveRun(threadID: threadID, runID: runID)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: SequencedStreamEvent.self)
        let follower = Task { [self] in
            do {
                var seq: Int64 = 0
                let send = { (event: StreamEvent) in
                    if afterSeq.map({ seq > $0 }) ?? true { continuation.yield(SequencedStreamEvent(seq: seq, event: event)) }
                    seq += 1
                }
                send(try StreamEvent(EventName.run("created"), first))
                let run = try await settled(first)
                for event in try await stepEvents(run) { send(event) }
                send(try StreamEvent(EventName.run(run.status.rawValue), run))
                continuation.yield(SequencedStreamEvent(seq: seq, event: .done))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in follower.cancel() }
        return stream
    }

    /// Polls the run (250 ms, 500 ms, 1 s, then every 2 s) until it is terminal or `requires_action`.
    private func settled(_ first: Run) async throws -> Run {
        var run = first
        var attempt = 0
        while !(run.status.isTerminal || run.status == .requiresAction) {
            let delay = Self.followBackoffMilliseconds[min(attempt, Self.followBackoffMilliseconds.count - 1)]
            attempt += 1
            try await Task.sleep(nanoseconds: delay * 1_000_000)
            run = try await retrieveRun(threadID: run.threadID, runID: run.id)
        }
        return run
    }

    private func stepEvents(_ run: Run) async throws -> [StreamEvent] {
        var events: [StreamEvent] = []
        var after: String?
        while true {
            let page = try await listSteps(threadID: run.threadID, runID: run.id, ListParams(limit: 100, order: .asc, after: after))
            for step in page.data {
                if let messageID = step.stepDetails.messageCreation?.messageID {
                    let message = try await retrieveMessage(threadID: run.threadID, messageID: messageID)
                    events.append(try StreamEvent(EventName.message("created"), message))
                    events.append(try StreamEvent(EventName.message("delta"), MessageDelta(messageID: message.id, text: message.text)))
                    events.append(try StreamEvent(EventName.message("completed"), message))
                }
                events.append(try StreamEvent(EventName.step(step.status.rawValue), step))
            }
            guard page.hasMore, let last = page.data.last else { return events }
            after = last.id
        }
    }
}
