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

    /// The history SQLite projects is what the whole messages give, for every kind of row: text
    /// parts joined, image parts and empty texts, escapes, run ids set and "", a message written
    /// in place (a blob) and one whose text was streamed (`updateMessageText`).
    func testPromptHistoryIsWhatTheMessagesGive() throws {
        let store = try openMemoryStore()
        let thread = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: 1)
        try store.insertThread(thread)
        func insert(_ role: String, _ content: [ContentPart], runID: String? = "", at: Int64) throws -> Message {
            var message = Message(id: ObjectID.make(ObjectID.message), createdAt: at, threadID: thread.id, role: role, content: content)
            message.runID = runID
            try store.insertMessage(message)
            return message
        }
        _ = try insert("user", [.text("plain")], at: 10)
        _ = try insert("user", [.text("a \"quoted\"\n"), ContentPart(type: "image_file", imageFile: ImageFile(fileID: "file_1")), .text("é ✓ 😀")], at: 11)
        _ = try insert("user", [ContentPart(type: "image_file", imageFile: ImageFile(fileID: "file_2"))], at: 12)
        _ = try insert("assistant", [.text("")], runID: "run_a", at: 13)
        _ = try insert("assistant", [], runID: nil, at: 13)
        _ = try insert("user", [.text(String(repeating: "long ", count: Store.writeInPlaceBytes / 4))], at: 14)
        let streamed = try insert("assistant", [.text("")], runID: "run_b", at: 15)
        try store.updateMessageText(id: streamed.id, text: "streamed {\"json\": [1]}")
        let expected = try store.recentMessages(threadID: thread.id, limit: 100).map(PromptHistoryMessage.init)
        XCTAssertEqual(expected.count, 7)
        for limit in [1, 3, 100] {
            let history = try store.recentPromptHistory(threadID: thread.id, limit: limit)
            XCTAssertEqual(history.count, min(limit, 7))
            for (got, want) in zip(history, expected.suffix(limit)) {
                XCTAssertEqual(got.role, want.role)
                XCTAssertEqual(got.text, want.text)
                XCTAssertEqual(got.createdAt, want.createdAt)
                XCTAssertEqual(got.runID ?? "", want.runID ?? "", "nil and \"\" both mean no run")
            }
        }
        XCTAssertEqual(try store.recentPromptHistory(threadID: thread.id, limit: 1).first?.text, "streamed {\"json\": [1]}")
        XCTAssertEqual(try StoreRunRepository(store: store).recentPromptHistory(threadID: thread.id, limit: 100).map(\.text), expected.map(\.text))
    }
}
