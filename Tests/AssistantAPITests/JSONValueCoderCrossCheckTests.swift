import AssistantAPI
import Foundation
import JSONCore
import XCTest

/// The bridge's objects through JSONCore's JSONValueEncoder/JSONValueDecoder give what Foundation's
/// JSONEncoder/JSONDecoder give, on every fixture (the service's own samples, quirks included).
final class JSONValueCoderCrossCheckTests: XCTestCase {
    /// Decodes the fixture's text with Foundation and its parsed value with ours: equal values;
    /// then encodes that value with both: equal JSON.
    func assertAgree<T: Codable & Equatable>(_ type: T.Type, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let text = try Fixture.text(name)
        let theirs = try JSONDecoder().decode(T.self, from: Data(text.utf8))
        let ours = try JSONValueDecoder().decode(T.self, from: try JSONValue.parse(text))
        XCTAssertEqual(ours, theirs, "\(name): decoded values differ", file: file, line: line)
        try assertEncodingsAgree(ours, name, file: file, line: line)
    }

    func assertEncodingsAgree<T: Encodable>(_ value: T, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let ours = try JSONValueEncoder().encode(value)
        let theirs = try JSONValue.parse(Array(try JSONEncoder().encode(value)))
        XCTAssertEqual(ours, theirs, "\(name): encoded JSON differs", file: file, line: line)
    }

    func assertListsAgree<Item: Codable & Equatable & Sendable>(_ type: Item.Type, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let text = try Fixture.text(name)
        let theirs = try JSONDecoder().decode(ListPage<Item>.self, from: Data(text.utf8))
        let ours = try JSONValueDecoder().decode(ListPage<Item>.self, from: try JSONValue.parse(text))
        XCTAssertEqual(ours.data, theirs.data, "\(name): items differ", file: file, line: line)
        XCTAssertEqual(ours.object, theirs.object, file: file, line: line)
        XCTAssertEqual(ours.firstID, theirs.firstID, file: file, line: line)
        XCTAssertEqual(ours.lastID, theirs.lastID, file: file, line: line)
        XCTAssertEqual(ours.hasMore, theirs.hasMore, file: file, line: line)
        XCTAssertEqual(ours.requestID, theirs.requestID, file: file, line: line)
        XCTAssertFalse(ours.data.isEmpty, "\(name): empty list", file: file, line: line)
        try assertEncodingsAgree(ours, name, file: file, line: line)
    }

    func testEveryFixtureAgreesWithFoundation() throws {
        let names = try Fixture.names()
        XCTAssertGreaterThanOrEqual(names.count, 31)
        var checked = 0
        for name in names {
            let json = try Fixture.json(name)
            switch json["object"]?.stringValue {
            case "assistant": try assertAgree(Assistant.self, name)
            case "assistant.file": try assertAgree(AssistantFile.self, name)
            case "thread": try assertAgree(ThreadObject.self, name)
            case "thread.message": try assertAgree(Message.self, name)
            case "thread.message.file": try assertAgree(MessageFile.self, name)
            case "thread.message.delta": try assertAgree(MessageDelta.self, name)
            case "thread.run": try assertAgree(Run.self, name)
            case "thread.run.step": try assertAgree(RunStep.self, name)
            case "thread.deleted", "assistant.deleted": try assertAgree(DeletionStatus.self, name)
            case "list":
                switch json["data"]?.arrayValue?.first?["object"]?.stringValue {
                case "thread.run": try assertListsAgree(Run.self, name)
                case "thread.run.step": try assertListsAgree(RunStep.self, name)
                case let other: XCTFail("\(name): list of \(other ?? "nothing")")
                }
            case let other: XCTFail("\(name): no type for object \(other ?? "nil")")
            }
            checked += 1
        }
        XCTAssertEqual(checked, names.count)
    }

    /// Values the fixtures lack: fractional and whole doubles, set optionals, a function tool choice.
    func testBuiltObjectsAgreeWithFoundation() throws {
        var run = Run(id: "run_1", createdAt: 1_714_448_101_996, threadID: "thread_1", assistantID: "asst_1", status: .requiresAction, model: "m")
        run.temperature = 0.7
        run.topP = 1.0
        run.topK = 50
        run.maxTokens = 1024
        run.usage = Usage(promptTokens: 3, completionTokens: 4)
        run.lastError = LastError(code: LastError.serverError, message: "boom")
        run.toolChoice = .function("lookup")
        run.truncationStrategy = TruncationStrategy(type: "last_messages", lastMessages: 5)
        run.requiredAction = RequiredAction(toolCalls: [
            ToolCall(id: "call_1", function: FunctionCall(name: "lookup", arguments: "{}")),
        ])
        run.tools = [.function(FunctionDefinition(name: "lookup", description: "d", parameters: ["type": "object", "minimum": 0.5]))]
        run.metadata = ["k": "v"]
        try assertEncodingsAgree(run, "built run")
        let wire = try run.wireJSON()
        XCTAssertEqual(wire["top_p"], .int(1), "a whole Double is written as Foundation writes it")
        XCTAssertEqual(wire["temperature"], .double(0.7))
        XCTAssertEqual(try Run(wireJSON: wire), run)
        XCTAssertEqual(try JSONDecoder().decode(Run.self, from: Data(wire.serialized())), run)

        var message = Message(id: "message_1", createdAt: 5, threadID: "thread_1", role: "assistant", content: [.text("hi \"there\"")])
        message.incompleteDetails = IncompleteDetails(reason: "max_tokens")
        message.completedAt = nil
        message.incompleteAt = 9
        try assertEncodingsAgree(message, "built message")
        XCTAssertEqual(try Message(wireJSON: try message.wireJSON()), message)
    }
}
