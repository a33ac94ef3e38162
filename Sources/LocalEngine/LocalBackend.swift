import AssistantAPI
import JSONCore

/// The embedded backend: the Assistant API implemented over the local `Store`. This file holds
/// the backend itself and the run-execution methods, which arrive with the run executor; the
/// CRUD methods are in the `LocalBackend+…` files.
public final class LocalBackend: AssistantBackend {
    public let store: Store
    public let info: JSONObject

    public init(store: Store) {
        self.store = store
        info = ["name": "local", "data_path": .string(store.path)]
    }

    /// Opens the store at `location` and serves it.
    public convenience init(location: Store.Location) throws {
        self.init(store: try Store.open(location: location))
    }

    public func shutdown() async {
        store.close()
    }

    // MARK: run execution (the run executor replaces these)

    private func notYet(_ method: String) -> APIError {
        APIError.unsupported("\(method) is not available in the local backend yet: it arrives with the run executor")
    }

    public func createRun(_ params: CreateRunParams) async throws -> Run { throw notYet("runs/create") }

    public func streamRun(_ params: CreateRunParams) async throws -> AsyncThrowingStream<StreamEvent, any Error> {
        throw notYet("runs/create")
    }

    public func createThreadAndRun(_ params: CreateThreadAndRunParams) async throws -> Run {
        throw notYet("runs/createThreadAndRun")
    }

    public func streamThreadAndRun(_ params: CreateThreadAndRunParams) async throws -> AsyncThrowingStream<StreamEvent, any Error> {
        throw notYet("runs/createThreadAndRun")
    }

    public func submitToolOutputs(_ params: SubmitToolOutputsParams) async throws -> Run {
        throw notYet("runs/submitToolOutputs")
    }

    public func streamSubmitToolOutputs(_ params: SubmitToolOutputsParams) async throws -> AsyncThrowingStream<StreamEvent, any Error> {
        throw notYet("runs/submitToolOutputs")
    }

    public func waitRun(_ params: WaitRunParams) async throws -> Run { throw notYet("runs/wait") }

    public func cancelRun(threadID: String, runID: String) async throws -> Run { throw notYet("runs/cancel") }
}
