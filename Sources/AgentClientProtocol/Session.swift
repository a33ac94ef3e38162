import AssistantAPI
import AssistdSupport
import JSONCore

/// One ACP session: the thread the conversation lives on (a `/new` moves it to a fresh one),
/// the assistant that answers, the project directory, and the prompt in progress.
final class Session: Sendable {
    let id: String
    let cwd: String
    let assistantID: String
    /// The assistant's own tools: a run's `tools` replaces them, so they are sent again with ours.
    let assistantTools: [JSONValue]
    let externalTools: SessionToolSet
    private let state: Locked<State>

    struct State {
        var threadID: String
        var prompt: PromptState?
        var lastUsage: Usage?
        var totalUsage = Usage(promptTokens: 0, completionTokens: 0)
        /// Tools the user allowed for the rest of the session ("allow always").
        var alwaysAllowed: Set<String> = []
    }

    struct PromptState {
        var cancelRequested = false
        var runID: String?
        /// Ends the relay of the run's stream (when the backend cannot cancel the run).
        var stopRelay: (@Sendable () -> Void)?
        var relayStopped = false
    }

    init(id: String, threadID: String, cwd: String, assistantID: String, assistantTools: [JSONValue], externalTools: SessionToolSet) {
        self.id = id
        self.cwd = cwd
        self.assistantID = assistantID
        self.assistantTools = assistantTools
        self.externalTools = externalTools
        state = Locked(State(threadID: threadID))
    }

    var threadID: String { state.withLock { $0.threadID } }

    func moveToThread(_ threadID: String) { state.withLock { $0.threadID = threadID } }

    /// Claims the session for one prompt; false when a prompt is already running.
    func beginPrompt() -> Bool {
        state.withLock { state in
            if state.prompt != nil { return false }
            state.prompt = PromptState()
            return true
        }
    }

    func endPrompt() { state.withLock { $0.prompt = nil } }

    var cancelRequested: Bool { state.withLock { $0.prompt?.cancelRequested ?? false } }

    /// `session/cancel`: marks the prompt cancelled and answers the run to cancel, if one is known yet.
    func requestCancel() -> (threadID: String, runID: String)? {
        state.withLock { state in
            guard state.prompt != nil else { return nil }
            state.prompt?.cancelRequested = true
            return state.prompt?.runID.map { (state.threadID, $0) }
        }
    }

    /// The prompt's run is known: answers whether it must be cancelled at once (a cancel came first).
    func noteRun(_ runID: String) -> Bool {
        state.withLock { state in
            state.prompt?.runID = runID
            return state.prompt?.cancelRequested ?? false
        }
    }

    /// The relay of the prompt's current stream; `stop` ends it. Called for each stream.
    func relayStarted(stop: @escaping @Sendable () -> Void) {
        let stopNow = state.withLock { state -> Bool in
            state.prompt?.stopRelay = stop
            return state.prompt?.relayStopped ?? false
        }
        if stopNow { stop() }
    }

    /// The run could not be cancelled (the hosted service may not support it): the prompt stops
    /// relaying it and answers `cancelled`; the run goes on in the service.
    func stopRelaying() {
        let stop = state.withLock { state -> (@Sendable () -> Void)? in
            state.prompt?.relayStopped = true
            return state.prompt?.stopRelay
        }
        stop?()
    }

    var relayStopped: Bool { state.withLock { $0.prompt?.relayStopped ?? false } }

    func noteUsage(_ usage: Usage) {
        state.withLock { state in
            state.lastUsage = usage
            state.totalUsage = Usage(
                promptTokens: state.totalUsage.promptTokens + usage.promptTokens,
                completionTokens: state.totalUsage.completionTokens + usage.completionTokens)
        }
    }

    var usage: (last: Usage?, total: Usage) { state.withLock { ($0.lastUsage, $0.totalUsage) } }

    func isAlwaysAllowed(_ tool: String) -> Bool { state.withLock { $0.alwaysAllowed.contains(tool) } }

    func allowAlways(_ tool: String) { _ = state.withLock { $0.alwaysAllowed.insert(tool) } }
}

/// The sessions of one connection, by id.
final class SessionRegistry: Sendable {
    private let sessions = Locked<[String: Session]>([:])

    func add(_ session: Session) -> Session? {
        sessions.withLock { sessions in
            defer { sessions[session.id] = session }
            return sessions[session.id]
        }
    }

    func session(_ id: String) -> Session? { sessions.withLock { $0[id] } }

    func remove(_ id: String) { _ = sessions.withLock { $0.removeValue(forKey: id) } }

    var all: [Session] { sessions.withLock { Array($0.values) } }
}
