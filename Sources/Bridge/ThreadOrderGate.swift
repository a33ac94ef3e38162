import AssistdSupport

/// Makes the requests that change one thread take effect in the order they arrived, one at a
/// time, while requests on other threads (and requests that change none) run at once.
///
/// A request's place is reserved synchronously when it is read (`reserve`, on the connection's
/// read thread, in arrival order), because handlers run as separate tasks that may start in any
/// order. The handler then `wait`s for its turn and `leave`s when done. A thread's queue exists
/// only while it holds places.
final class ThreadOrderGate: Sendable {
    private let state = Locked(State())

    private struct State {
        /// Per thread id, the places in arrival order; the first one has its turn.
        var queues: [String: [Waiting]] = [:]
        var nextTicket: UInt64 = 0
    }

    private struct Waiting {
        let ticket: UInt64
        var continuation: CheckedContinuation<Void, any Error>?
    }

    init() {}

    /// A place at the end of the thread's queue.
    func reserve(threadID: String) -> ThreadPlace {
        let ticket = state.withLock { state -> UInt64 in
            let ticket = state.nextTicket
            state.nextTicket += 1
            state.queues[threadID, default: []].append(Waiting(ticket: ticket))
            return ticket
        }
        return ThreadPlace(gate: self, threadID: threadID, ticket: ticket)
    }

    /// Thread ids with places held or waiting (empty when idle).
    var busyThreads: Set<String> { state.withLock { Set($0.queues.keys) } }

    fileprivate func wait(threadID: String, ticket: UInt64) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // A cancellation before this point removed the place (`gone`); one after it finds
                // the continuation and resumes it.
                enum Outcome { case turn, gone, parked }
                let outcome = state.withLock { state -> Outcome in
                    guard let queue = state.queues[threadID], let index = queue.firstIndex(where: { $0.ticket == ticket }) else {
                        return .gone
                    }
                    if index == 0 { return .turn }
                    state.queues[threadID]![index].continuation = continuation
                    return .parked
                }
                switch outcome {
                case .turn: continuation.resume()
                case .gone: continuation.resume(throwing: CancellationError())
                case .parked: break
                }
            }
        } onCancel: {
            leave(threadID: threadID, ticket: ticket)
        }
    }

    /// Gives up the place (whether it had its turn or was waiting); the next one gets its turn.
    /// A waiter that is removed this way resumes with `CancellationError`.
    fileprivate func leave(threadID: String, ticket: UInt64) {
        let (removed, next) = state.withLock { state -> (Waiting?, CheckedContinuation<Void, any Error>?) in
            guard var queue = state.queues[threadID], let index = queue.firstIndex(where: { $0.ticket == ticket }) else {
                return (nil, nil)
            }
            let removed = queue.remove(at: index)
            var next: CheckedContinuation<Void, any Error>?
            if index == 0, !queue.isEmpty {
                next = queue[0].continuation
                queue[0].continuation = nil
            }
            state.queues[threadID] = queue.isEmpty ? nil : queue
            return (removed, next)
        }
        removed?.continuation?.resume(throwing: CancellationError())
        next?.resume()
    }
}

/// One request's place in its thread's queue. `leave` may be called more than once.
final class ThreadPlace: Sendable {
    private let gate: ThreadOrderGate
    let threadID: String
    private let ticket: UInt64

    fileprivate init(gate: ThreadOrderGate, threadID: String, ticket: UInt64) {
        self.gate = gate
        self.threadID = threadID
        self.ticket = ticket
    }

    /// Returns once every earlier place on the thread was left; throws `CancellationError` when
    /// the task is cancelled while waiting (the place is then left).
    func waitForTurn() async throws { try await gate.wait(threadID: threadID, ticket: ticket) }

    func leave() { gate.leave(threadID: threadID, ticket: ticket) }
}
