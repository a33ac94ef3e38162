import AssistantAPI
import Bridge
import JSONCore
import XCTest

/// Each declaration reads its ids into typed fields; a missing or empty id is `invalidParams`
/// naming it.
final class MethodDeclarationTests: XCTestCase {
    func assertInvalid(_ param: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("accepted; expected an error naming \(param)", file: file, line: line)
        } catch let error as APIError {
            XCTAssertEqual(error.kind, .invalidParams, file: file, line: line)
            XCTAssertEqual(error.param, param, "message: \(error.message)", file: file, line: line)
            XCTAssertEqual(error.statusCode, 400, file: file, line: line)
            XCTAssertEqual(error.code, "InvalidParameter", file: file, line: line)
            XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func testRequiredIds() {
        assertInvalid("run_id") { _ = try RetrieveRun.read(["thread_id": "thread_1"]) }
        assertInvalid("step_id") { _ = try RetrieveStep.read(["thread_id": "t", "run_id": "r", "step_id": nil]) }
        assertInvalid("message_id") { _ = try UpdateMessage.read(["thread_id": "t"]) }
        assertInvalid("run_id") { _ = try ListSteps.read(["thread_id": "t"]) }
        assertInvalid("thread_id") { _ = try RetrieveThread.read(["thread_id": ""]) }
        assertInvalid("file_id") { _ = try RetrieveMessageFile.read(["thread_id": "t", "message_id": "m"]) }
        assertInvalid("") { _ = try CancelRun.read(["thread_1", "run_2"]) }
    }

    func testValidIdsAreRead() throws {
        let retrieve = try RetrieveRun.read(["thread_id": "thread_1", "run_id": "run_2"])
        XCTAssertEqual(retrieve.threadID, "thread_1")
        XCTAssertEqual(retrieve.runID, "run_2")
        let step = try RetrieveStep.read(["thread_id": "t", "run_id": "r", "step_id": "step_3"])
        XCTAssertEqual([step.threadID, step.runID, step.stepID], ["t", "r", "step_3"])
    }

    func testMetadataUpdates() throws {
        assertInvalid("metadata.n") { _ = try UpdateThread.read(["thread_id": "t", "metadata": ["n": nil]]) }
        XCTAssertNil(try UpdateThread.read(["thread_id": "t"]).update.metadata)
        XCTAssertEqual(try UpdateThread.read(["thread_id": "t", "metadata": [:]]).update.metadata, [:])
        let update = try UpdateRun.read(["thread_id": "t", "run_id": "r", "metadata": ["k": "v"]])
        XCTAssertEqual(update.update.metadata, ["k": "v"])
        XCTAssertEqual(update.update.raw["thread_id"], "t", "raw keeps the params as sent")
    }

    func testListsReadTheirParentAndPage() throws {
        assertInvalid("order") { _ = try ListRuns.read(["thread_id": "t", "order": 1]) }
        let steps = try ListSteps.read(["thread_id": "t", "run_id": "r", "limit": 5])
        XCTAssertEqual(steps.list, ListParams(limit: 5))
    }

    /// The official SDK sends "" as the body of an empty `threads/create`.
    func testCreateThreadTakesTheSDKsEmptyBody() throws {
        XCTAssertEqual(try CreateThread.read(.string("")).params.messages.count, 0)
        assertInvalid("") { _ = try RetrieveThread.read(.string("")) }
    }

    func testEveryMethodIsDeclaredOnceWithItsName() {
        let names = AssistantAPIMethods.names
        XCTAssertEqual(names.count, Set(names).count)
        XCTAssertTrue(names.contains("runs/retrieve"))
        XCTAssertEqual(RetrieveRun.name, "runs/retrieve")
    }
}
