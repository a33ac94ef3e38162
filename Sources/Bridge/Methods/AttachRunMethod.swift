import AssistantAPI
import JSONCore
import JSONRPC

/// `runs/stream`: attaches to a run's stream. Sends its events after `after_seq` as `runs/event`
/// notifications whose `seq` is the event's index in the run (so streams splice), ending with
/// `done`; answers with the run as it stands then.
public struct AttachRun: RequestMethod {
    public static let name = "runs/stream"
    public let threadID: String
    public let runID: String
    public let afterSeq: Int64?
    public init(params reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        runID = try reader.id("run_id")
        afterSeq = try reader.optionalInt("after_seq", in: -1...Int.max).map(Int64.init)
    }

    public func call(_ call: MethodCall) async throws -> Run {
        let (threadID, runID, context, backend) = (threadID, runID, call.context, call.backend)
        let events = try await backend.attachRun(threadID: threadID, runID: runID, afterSeq: afterSeq)
        // Below the priority of requests, like a run's own stream.
        let work = Task(priority: .utility) {
            for try await item in events {
                // The protocol's `done` carries null, not the service's "[DONE]" sentinel.
                let data: JSONValue = item.event.event == EventName.done ? .null : item.event.data
                try await context.sendStreamNotification(
                    method: RunEventStream.method,
                    params: ["request": context.requestID.json, "seq": .int(item.seq), "event": .string(item.event.event), "data": data])
            }
            try Task.checkCancellation()
            return try await backend.retrieveRun(threadID: threadID, runID: runID)
        }
        return try await withTaskCancellationHandler { try await work.value } onCancel: { work.cancel() }
    }
}
