import AssistantAPI

/// Steps of a run, in insertion order.
extension Store {
    static let stepList = ListSpec(table: "steps", columns: "id, json", idColumn: "id", filters: ["run_id = ?"], noun: "step")

    /// Inserts a step; `notFound("run")` if its run does not exist.
    public func insertStep(_ step: RunStep) throws {
        var stored = step
        stored.requestID = nil
        try insertChild(
            "INSERT INTO steps (id, run_id, thread_id, created_at, json) VALUES (?, ?, ?, ?, ?)",
            [.text(stored.id), .text(stored.runID), .text(stored.threadID), .int(stored.createdAt), try encode(stored)],
            parent: "run", parentID: stored.runID)
    }

    public func step(id: String) throws -> RunStep? {
        try fetchOne(RunStep.self, "SELECT json FROM steps WHERE id = ?", [.text(id)])
    }

    /// The step, if it exists and belongs to `runID`.
    public func step(runID: String, id: String) throws -> RunStep? {
        try fetchOne(RunStep.self, "SELECT json FROM steps WHERE id = ? AND run_id = ?", [.text(id), .text(runID)])
    }

    /// Replaces the stored step; `notFound` if there is none.
    public func updateStep(_ step: RunStep) throws {
        var stored = step
        stored.requestID = nil
        if try change("UPDATE steps SET json = ? WHERE id = ?", [try encode(stored), .text(stored.id)]) == 0 {
            throw APIError.notFound("run step", id: step.id)
        }
    }

    /// A page of the run's steps; `notFound("run")` if the run does not exist.
    public func listSteps(runID: String, _ list: ListParams) throws -> ListPage<RunStep> {
        guard try exists("runs", id: runID) else { throw APIError.notFound("run", id: runID) }
        return try page(Self.stepList, [.text(runID)], scope: "run \(runID)", list, item: idAndJSON(RunStep.self))
    }

    /// Every step of the run, oldest first.
    public func steps(runID: String) throws -> [RunStep] {
        try fetchAll(RunStep.self, "SELECT json FROM steps WHERE run_id = ? ORDER BY seq ASC", [.text(runID)])
    }

    /// The thread's steps created at or after `createdAt`, oldest first.
    public func steps(threadID: String, since createdAt: Int64) throws -> [RunStep] {
        try fetchAll(
            RunStep.self, "SELECT json FROM steps WHERE thread_id = ? AND created_at >= ? ORDER BY seq ASC",
            [.text(threadID), .int(createdAt)])
    }

    /// The thread's `tool_calls` steps created at or after `createdAt`, oldest first: SQLite
    /// picks them by their type, so the thread's other steps are not decoded here.
    public func toolCallSteps(threadID: String, since createdAt: Int64) throws -> [RunStep] {
        try fetchAll(
            RunStep.self,
            """
            SELECT json FROM steps WHERE thread_id = ? AND created_at >= ?
                AND json_extract(CAST(json AS TEXT), '$.type') = 'tool_calls' ORDER BY seq ASC
            """,
            [.text(threadID), .int(createdAt)]
        ).filter { $0.type == RunStep.toolCalls }
    }

    /// Every step of every run of the thread, oldest first (for placing tool calls in a prompt).
    public func steps(threadID: String) throws -> [RunStep] {
        try fetchAll(RunStep.self, "SELECT json FROM steps WHERE thread_id = ? ORDER BY seq ASC", [.text(threadID)])
    }
}
