import AssistantAPI
import Foundation
import JSONCore

/// The live state of one run executing in this process, and the streams listening to it.
/// All transitions happen under `lock`, so events reach every listener in one order and a
/// cancel cannot interleave with a turn's own transitions.
final class RunState: @unchecked Sendable {
    // @unchecked: every mutable field is touched only with `lock` held (see `locked`).
    typealias Listener = AsyncThrowingStream<StreamEvent, any Error>.Continuation

    private let lock = NSLock()
    private var _run: Run
    /// Each listener is one stream, with the `request_id` its payloads carry.
    private var listeners: [UUID: (continuation: Listener, requestID: JSONValue)] = [:]
    /// The task running the model's turns, while one runs.
    var task: Task<Void, Never>?
    var handleTools: Bool
    /// The run's tools as given (plugin secrets included: they never leave memory).
    var toolsForModel: [Tool]
    /// A cancel arrived: the turn task ends the run `cancelled` when it unwinds.
    var cancelRequested = false
    /// The message and step a turn has open (to close them on cancel or failure).
    var openMessage: Message?
    var openSteps: [RunStep] = []

    init(run: Run, handleTools: Bool) {
        _run = run
        self.handleTools = handleTools
        toolsForModel = run.tools
    }

    func locked<Result>(_ body: (RunState) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(self)
    }

    /// Only with the lock held.
    var run: Run {
        get { _run }
        set { _run = newValue }
    }

    var snapshot: Run { locked { $0._run } }

    /// Adds a listener that gets every event from now until the run next pauses
    /// (`requires_action`) or ends; then `done`. Only with the lock held.
    func addListener() -> AsyncThrowingStream<StreamEvent, any Error> {
        let id = UUID()
        let (stream, continuation) = AsyncThrowingStream<StreamEvent, any Error>.makeStream()
        listeners[id] = (continuation, .string(ObjectID.requestID()))
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.lock()
            self.listeners[id] = nil
            self.lock.unlock()
        }
        return stream
    }

    /// Sends an event to every listener. Only with the lock held; yields never block.
    func emit(_ event: StreamEvent) {
        for listener in listeners.values {
            var stamped = event
            if case .object(var object) = event.data {
                object["request_id"] = listener.requestID
                stamped.data = .object(object)
            }
            listener.continuation.yield(stamped)
        }
    }

    /// The run paused or ended: listeners get `done` and their streams finish. Only with the lock held.
    func finishListeners() {
        let current = listeners
        listeners.removeAll()
        for (listener, _) in current.values {
            listener.onTermination = nil  // it would take `lock`, which we hold
            listener.yield(.done)
            listener.finish()
        }
    }

    var hasListeners: Bool { !listeners.isEmpty }
}
