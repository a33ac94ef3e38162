import AssistantAPI
import JSONCore

/// Forwards a run's stream to the client and, with `handle_tools`, answers the run's tool
/// calls through the client (`tools/call`), submits the outputs itself and goes on with the
/// continuation's events: one stream from the first event to a single `done` at the end.
/// Works the same over both backends.
struct RunRelay: Sendable {
    /// Relays a batch of events (never empty) in order.
    typealias Emit = @Sendable ([StreamEvent]) async throws -> Void
    /// Asks the client to run one tool call; returns its output text.
    typealias CallTool = @Sendable (_ threadID: String, _ runID: String, _ call: ToolCall) async throws -> String

    let backend: any AssistantBackend
    let emit: Emit
    /// nil unless the request set `handle_tools`.
    let callTool: CallTool?

    /// Relays until the stream ends (or, with `callTool`, until the run ends) and returns the
    /// run as it stands then.
    func relay(_ first: StreamEventBatches) async throws -> Run {
        var stream = first
        var lastRun: Run?
        while true {
            // This stream's run events, decoded only when a run is needed, from the latest back.
            var runEvents: [StreamEvent] = []
            for try await batch in stream {
                runEvents += batch.lazy.filter(Self.mayCarryRun)
                // With client tools the stream goes on after requires_action: hold its `done`
                // (the stream's last event) back.
                if callTool != nil, batch.last?.event == EventName.done, Self.latestRun(in: runEvents)?.status == .requiresAction {
                    let relayed = Array(batch.dropLast())
                    if !relayed.isEmpty { try await emit(relayed) }
                } else {
                    try await emit(batch)
                }
            }
            let latest = Self.latestRun(in: runEvents)
            lastRun = latest ?? lastRun
            let pausedRun = latest?.status == .requiresAction ? latest : nil
            try Task.checkCancellation()
            guard let callTool, let paused = pausedRun else { break }
            let outputs = await Self.answer(paused, with: callTool)
            // A cancelled request fails its pending tools/call too; those failures are not the
            // client's answers, so nothing is submitted and the run keeps waiting for outputs.
            try Task.checkCancellation()
            do {
                stream = try await backend.streamSubmitToolOutputs(SubmitToolOutputsParams(
                    threadID: paused.threadID, runID: paused.id, toolOutputs: outputs, stream: true))
            } catch let error as APIError where error.kind == .conflictingState {
                // The run ended while the client answered (cancelled or expired): the stream
                // still ends with that ending and its single `done`, and the request returns it.
                let ended = try await backend.retrieveRun(threadID: paused.threadID, runID: paused.id)
                guard ended.status.isTerminal else { throw error }
                try await emit([try StreamEvent(EventName.run(ended.status.rawValue), ended), .done])
                return ended
            }
        }
        if let lastRun { return lastRun }
        throw APIError(.upstreamFailure, "The run's stream ended before it carried the run.")
    }

    /// Calls the client for every pending tool call at once. A call that fails or times out
    /// becomes an output that says so, and the run goes on.
    static func answer(_ run: Run, with callTool: @escaping CallTool) async -> [ToolOutput] {
        let calls = run.requiredAction?.submitToolOutputs?.toolCalls ?? []
        // Results are collected in a dictionary keyed by position: a task group of tuple results
        // crashed with an out-of-range index in release builds (Swift 6.3, Linux).
        let outputs = await withTaskGroup(of: AnsweredCall.self, returning: [Int: String].self) { group in
            for (position, call) in calls.enumerated() {
                group.addTask {
                    do {
                        return AnsweredCall(position: position, output: try await callTool(run.threadID, run.id, call))
                    } catch {
                        return AnsweredCall(
                            position: position, output: "Error: the client's tools/call for \(call.name) failed: \(Self.describe(error))")
                    }
                }
            }
            var outputs: [Int: String] = [:]
            for await answered in group { outputs[answered.position] = answered.output }
            return outputs
        }
        return calls.enumerated().map { position, call in ToolOutput(toolCallID: call.id, output: outputs[position] ?? "") }
    }

    struct AnsweredCall: Sendable {
        let position: Int
        let output: String
    }

    /// Whether the event may carry the run (`StreamEvent.run` decides, decoding it).
    static func mayCarryRun(_ event: StreamEvent) -> Bool {
        event.event.hasPrefix("thread.run.") && !event.event.hasPrefix("thread.run.step")
    }

    /// The run of the latest of `events` that carries one.
    static func latestRun(in events: [StreamEvent]) -> Run? {
        for event in events.reversed() {
            if let run = event.run { return run }
        }
        return nil
    }

    static func describe(_ error: any Error) -> String {
        if let apiError = error as? APIError { return apiError.message }
        return String(describing: error)
    }
}
