import AssistdSupport
import AssistantAPI
import Foundation

/// Performs the effects of a run's transitions: the executor, or a recorder in tests.
protocol RunEffectPerformer: AnyObject, Sendable {
    func perform(_ effect: RunEffect, for driver: RunDriver)
    /// The effects queued together, in order; a performer may group their storage.
    func perform(batch: [RunEffect], for driver: RunDriver)
}

extension RunEffectPerformer {
    func perform(batch: [RunEffect], for driver: RunDriver) {
        for effect in batch { perform(effect, for: driver) }
    }
}

/// The shell around one run's `RunMachine`. A transition runs under `condition`'s lock and only
/// queues its effects; they are performed after the lock is released, one at a time and in
/// queue order, by whichever caller finds nobody else performing. Every caller returns once its
/// own effects (and all queued before them) are done. So every listener gets the events in
/// transition order, a caller reads its own writes, and no continuation, task or termination
/// handler ever runs with the lock held (none can wait for it while it waits for them).
final class RunDriver: @unchecked Sendable {
    // @unchecked: the mutable fields below are guarded by `condition`.
    let runID: String
    let threadID: String
    let listeners: RunListeners
    /// The running turn's task (set by `.startTurn`; cancelled by `.cancelTurn` and at shutdown).
    let turnTask = Locked<Task<Void, Never>?>(nil)

    private let performer: any RunEffectPerformer
    private let condition = NSCondition()
    private var machine: RunMachine
    private var gate: Gate
    private var queue: [RunEffect] = []
    private var queuedCount = 0
    private var performedCount = 0
    /// The thread performing effects now, if any.
    private var performingThread: pthread_t?

    /// A new run is `opening` until it is stored; transitions wait for it to open.
    enum Gate { case opening, open, abandoned }

    init(
        machine: RunMachine, gate: Gate = .open, listenerDetachAfter: Duration = RunListeners.defaultDetachAfter,
        performer: any RunEffectPerformer
    ) {
        runID = machine.run.id
        threadID = machine.run.threadID
        listeners = RunListeners(runID: machine.run.id, detachAfter: listenerDetachAfter)
        self.machine = machine
        self.gate = gate
        self.performer = performer
    }

    /// Runs `transition` and performs its effects; returns the run as the transition left it.
    @discardableResult
    func apply(_ transition: (inout RunMachine) throws -> [RunEffect]) throws -> Run {
        try transact(transition).run
    }

    /// Like `apply`, with a stream that gets every event from this transition's on, until the
    /// run next pauses or ends.
    func applyListening(_ transition: (inout RunMachine) throws -> [RunEffect]) throws -> (run: Run, events: RunListeners.Events) {
        let (run, events) = try transact(listen: { _ in true }, transition)
        return (run, events!)
    }

    /// Opens the gate of a new run and runs its first transition in the same critical section,
    /// so that any transition waiting at the gate comes after it.
    func open(listen: Bool, _ transition: (inout RunMachine) -> [RunEffect]) -> (run: Run, events: RunListeners.Events?) {
        // Cannot throw: the gate is not checked when opening, and the transition does not throw.
        (try? transact(opening: true, listen: { _ in listen }, transition)) ?? (read(\.run), nil)
    }

    /// The new run could not be stored: transitions waiting at the gate throw `notFound`.
    func abandon() {
        condition.lock()
        gate = .abandoned
        condition.broadcast()
        condition.unlock()
    }

    /// A stream that ends when the run next pauses or ends; nil if it is paused or ended now.
    func listenUnlessSettled() -> RunListeners.Events? {
        (try? transact(listen: { !$0.isSettled }) { _ in [] })?.events
    }

    /// Reads the machine's state (no effects).
    func read<Result>(_ body: (RunMachine) -> Result) -> Result {
        condition.lock()
        defer { condition.unlock() }
        return body(machine)
    }

    /// `listen`, if given, decides after the transition whether a listener joins; its stream is
    /// made beforehand so that no stream is touched with the lock held.
    private func transact(
        opening: Bool = false, listen: ((RunMachine) -> Bool)? = nil,
        _ transition: (inout RunMachine) throws -> [RunEffect]
    ) throws -> (run: Run, events: RunListeners.Events?) {
        let newListener = listen.map { _ in listeners.makeListener() }
        condition.lock()
        if opening {
            gate = .open
            condition.broadcast()
        }
        while gate == .opening { condition.wait() }
        guard gate == .open else {
            condition.unlock()
            throw APIError.notFound("run", id: runID)
        }
        var effects: [RunEffect]
        do {
            effects = try transition(&machine)
        } catch {
            condition.unlock()
            throw error
        }
        var events: RunListeners.Events?
        if let (stream, listener) = newListener, listen?(machine) == true {
            events = stream
            effects.insert(.attach(listener), at: 0)
        }
        queue += effects
        queuedCount += effects.count
        let run = machine.run
        performQueued(through: queuedCount)
        return (run, events)
    }

    /// Called with the lock held; returns with it released, once the first `ticket` effects
    /// ever queued have been performed.
    private func performQueued(through ticket: Int) {
        if let performingThread {
            // Queued from inside an effect on the performing thread: the loop below, further
            // up this thread's stack, performs it next.
            if pthread_equal(performingThread, pthread_self()) != 0 {
                condition.unlock()
                return
            }
            while performedCount < ticket { condition.wait() }
            condition.unlock()
            return
        }
        performingThread = pthread_self()
        while !queue.isEmpty {
            let batch = queue
            queue.removeAll()
            condition.unlock()
            performer.perform(batch: batch, for: self)
            condition.lock()
            performedCount += batch.count
            condition.broadcast()
        }
        performingThread = nil
        condition.unlock()
    }
}
