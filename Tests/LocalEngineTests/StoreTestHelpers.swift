import AssistantAPI
import Foundation
import XCTest

@testable import LocalEngine

extension XCTestCase {
    /// A fresh directory under the system temp dir, removed when the test ends.
    func temporaryDirectory() -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-tests-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func openMemoryStore() throws -> Store {
        let store = try Store.open(location: .memory)
        addTeardownBlock { store.close() }
        return store
    }

    /// Asserts that `body` throws an `APIError` of `kind` (and `param`, when given).
    func assertAPIError(
        _ kind: APIError.Kind, param: String? = nil, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
    ) {
        do {
            try body()
            XCTFail("no error; expected \(kind)", file: file, line: line)
        } catch let error as APIError {
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            if let param { XCTAssertEqual(error.param, param, error.message, file: file, line: line) }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func assertAPIError(
        _ kind: APIError.Kind, param: String? = nil, file: StaticString = #filePath, line: UInt = #line,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            XCTFail("no error; expected \(kind)", file: file, line: line)
        } catch let error as APIError {
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            if let param { XCTAssertEqual(error.param, param, error.message, file: file, line: line) }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }
}

/// Builders for stored objects.
enum Make {
    static func thread(_ store: Store, metadata: [String: String] = [:]) throws -> ThreadObject {
        let thread = ThreadObject(id: ObjectID.make(ObjectID.thread), createdAt: Timestamp.now(), metadata: metadata)
        try store.insertThread(thread)
        return thread
    }

    static func message(threadID: String, _ text: String = "hello", runID: String? = nil, role: String = "user") -> Message {
        var message = Message(
            id: ObjectID.make(ObjectID.message), createdAt: Timestamp.now(), threadID: threadID, role: role, content: [.text(text)])
        if let runID { message.runID = runID }
        return message
    }

    @discardableResult
    static func messages(_ store: Store, threadID: String, count: Int, runID: String? = nil) throws -> [Message] {
        let messages = (0..<count).map { message(threadID: threadID, "m\($0)", runID: runID) }
        try store.transaction {
            for message in messages { try store.insertMessage(message) }
        }
        return messages
    }

    static func run(threadID: String, status: RunStatus = .queued, assistantID: String = "asst_x") -> Run {
        Run(id: ObjectID.make(ObjectID.run), createdAt: Timestamp.now(), threadID: threadID, assistantID: assistantID, status: status, model: "test-model")
    }

    static func step(_ run: Run, details: StepDetails? = nil) -> RunStep {
        RunStep(
            id: ObjectID.make(ObjectID.step), createdAt: Timestamp.now(), assistantID: run.assistantID, threadID: run.threadID,
            runID: run.id, details: details ?? .messageCreation(messageID: ObjectID.make(ObjectID.message)))
    }

    static func assistant(model: String = "test-model", tools: [Tool] = [], fileIDs: [String] = []) -> Assistant {
        var assistant = Assistant(id: ObjectID.make(ObjectID.assistant), createdAt: Timestamp.now(), model: model)
        assistant.tools = tools
        assistant.fileIDs = fileIDs
        return assistant
    }
}
