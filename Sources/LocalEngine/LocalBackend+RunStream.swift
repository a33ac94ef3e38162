import AssistantAPI
import Foundation

/// `runs/stream` over the run event log: the same code follows a run of this process and one
/// executed by another assistd on the same data dir, by polling the log until the run's final
/// event is logged: every 20 ms a check of the database's change stamp, and only when something
/// was committed an indexed read of the rows after the last one sent.
extension LocalBackend {
    /// How often the log is read again while nothing new is in it.
    static let followPollNanoseconds: UInt64 = 20_000_000
    /// A terminal run whose final event never reaches the log (failed by recovery, past the cap,
    /// or swept) ends the stream with that event synthesised from storage after this long.
    static let missingFinalEventGraceNanoseconds: UInt64 = 1_000_000_000

    public func attachRun(threadID: String, runID: String, afterSeq: Int64?) async throws -> AsyncThrowingStream<SequencedStreamEvent, any Error> {
        _ = try existingRun(threadID: threadID, runID: runID)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: SequencedStreamEvent.self, bufferingPolicy: .unbounded)
        let follower = Task { [self] in
            do {
                try await follow(threadID: threadID, runID: runID, afterSeq: afterSeq) { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in follower.cancel() }
        return stream
    }

    private func follow(threadID: String, runID: String, afterSeq: Int64?, deliver: (SequencedStreamEvent) -> Void) async throws {
        var after = afterSeq
        var last = try store.lastRunEvent(runID: runID)
        var quietSince: UInt64?
        // Objects are logged without `request_id`; like every stream, this one stamps its own.
        let requestID = ObjectID.requestID()
        func send(_ item: SequencedStreamEvent) {
            guard case .object(var object) = item.event.data else { return deliver(item) }
            object["request_id"] = .string(requestID)
            deliver(SequencedStreamEvent(seq: item.seq, event: StreamEvent(event: item.event.event, data: .object(object))))
        }
        var seenStamp: [Int64] = []
        while true {
            try Task.checkCancellation()
            // Nothing committed since the last read: nothing new to send (unless waiting out the
            // grace for a final event that may never be logged).
            let stamp = try store.changeStamp()
            if stamp == seenStamp, quietSince == nil {
                try await Task.sleep(nanoseconds: Self.followPollNanoseconds)
                continue
            }
            seenStamp = stamp
            // The run first, then the log: the executor stores a status before it logs its event.
            let run = try existingRun(threadID: threadID, runID: runID)
            let events = try store.runEvents(runID: runID, after: after)
            for logged in events { send(SequencedStreamEvent(seq: logged.index, event: logged.event)) }
            if let newest = events.last {
                after = newest.index
                last = newest
                quietSince = nil
            }
            if events.count >= 1000 { continue }
            if let last, Self.ends(last.event, run: run) {
                send(SequencedStreamEvent(seq: last.index + 1, event: .done))
                return
            }
            if run.status.isTerminal {
                let now = DispatchTime.now().uptimeNanoseconds
                if let since = quietSince, now - since >= Self.missingFinalEventGraceNanoseconds {
                    let next = (last?.index ?? -1) + 1
                    if after.map({ next > $0 }) ?? true {
                        send(SequencedStreamEvent(seq: next, event: try StreamEvent(EventName.run(run.status.rawValue), run)))
                    }
                    send(SequencedStreamEvent(seq: next + 1, event: .done))
                    return
                }
                if quietSince == nil { quietSince = now }
            }
            try await Task.sleep(nanoseconds: Self.followPollNanoseconds)
        }
    }

    /// The run's stream is over at its terminal event, or at `requires_action` while it waits.
    static func ends(_ event: StreamEvent, run: Run) -> Bool {
        guard let logged = event.run else { return false }
        if logged.status.isTerminal { return true }
        return logged.status == .requiresAction && run.status == .requiresAction
    }
}
