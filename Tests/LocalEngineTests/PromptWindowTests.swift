import AssistantAPI
import XCTest

@testable import LocalEngine

/// A turn reads only the newest messages a prompt can hold, and the tool rounds among them.
final class PromptWindowTests: XCTestCase {
    func testRecentMessagesAreTheNewestOldestFirst() throws {
        let store = try openMemoryStore()
        let thread = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: 1)
        try store.insertThread(thread)
        for index in 0..<50 {
            try store.insertMessage(Message(
                id: ObjectID.make(ObjectID.message), createdAt: 100 + Int64(index), threadID: thread.id, role: "user",
                content: [.text("m\(index)")]))
        }
        XCTAssertEqual(try store.recentMessages(threadID: thread.id, limit: 5).map(\.text), ["m45", "m46", "m47", "m48", "m49"])
        XCTAssertEqual(try store.recentMessages(threadID: thread.id, limit: 500).count, 50)

        let repository = StoreRunRepository(store: store)
        let run = Run(id: ObjectID.make(ObjectID.run), createdAt: 120, threadID: thread.id, assistantID: "asst_x", status: .completed, model: "m")
        try store.insertRun(run)
        for (at, name) in [(Int64(110), "old"), (Int64(146), "new")] {
            var step = RunStep(
                id: ObjectID.make(ObjectID.step), createdAt: at, assistantID: "asst_x", threadID: thread.id, runID: run.id,
                details: .toolCalls([ToolCall(id: "call_\(name)", function: FunctionCall(name: name, arguments: "{}", output: "1"))]))
            step.status = .completed
            try store.insertStep(step)
        }
        let window = try repository.recentThreadMessages(threadID: thread.id, limit: 5)
        let steps = try repository.threadToolSteps(threadID: thread.id, since: window.first?.createdAt ?? 0)
        XCTAssertEqual(steps.flatMap { $0.stepDetails.toolCalls ?? [] }.map(\.name), ["new"])
    }
}
