import AssistantAPI
import HTTPStreaming
import JSONCore

/// The service's client as the backend uses it, noting in the thread index each thread that a
/// call succeeded on: one named in the path (`threads/{id}/…`), one returned as a thread object,
/// one a new run was created on (`threads/runs`); a thread deleted leaves the index.
struct ThreadIndexingClient: Sendable {
    let client: DashScopeClient
    let index: HostedThreadIndex
    /// The index's key for this account (`HostedThreadIndex.service(of:)`).
    let service: String

    func shutdown() { client.shutdown() }

    func call<T: Decodable>(_ endpoint: Endpoint, as type: T.Type) async throws -> T {
        let result = try await client.call(endpoint, as: type)
        switch result {
        case let thread as ThreadObject: index.record(thread, service: service)
        case let run as Run where endpoint.path == ["threads", "runs"]: index.recordUse(threadID: run.threadID, service: service)
        default: noteThread(named: endpoint)
        }
        return result
    }

    func stream(_ endpoint: Endpoint) async throws -> StreamEventBatches {
        let events = try await client.stream(endpoint)
        guard endpoint.path == ["threads", "runs"] else {
            noteThread(named: endpoint)
            return events
        }
        // The new thread's id comes with the run's first event.
        let (indexed, continuation) = StreamEventBatches.makeStream()
        let index = index
        let service = service
        let relay = Task {
            do {
                var noted = false
                for try await batch in events {
                    if !noted, let threadID = batch.lazy.compactMap({ $0.data["thread_id"]?.stringValue }).first {
                        index.recordUse(threadID: threadID, service: service)
                        noted = true
                    }
                    continuation.yield(batch)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in relay.cancel() }
        return indexed
    }

    private func noteThread(named endpoint: Endpoint) {
        guard endpoint.path.count >= 2, endpoint.path[0] == "threads", endpoint.path[1] != "runs" else { return }
        if endpoint.method == "DELETE" && endpoint.path.count == 2 {
            index.remove(threadID: endpoint.path[1], service: service)
        } else {
            index.recordUse(threadID: endpoint.path[1], service: service)
        }
    }
}
