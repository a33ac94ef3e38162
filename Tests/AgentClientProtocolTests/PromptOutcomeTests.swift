import AgentClientProtocol
import AssistantAPI
import JSONCore
import XCTest

final class PromptOutcomeTests: XCTestCase {
    func run(_ status: String, lastError: JSONValue? = nil, incomplete reason: String? = nil) throws -> Run {
        var json: JSONObject = [
            "id": "run_1", "object": "thread.run", "created_at": 1, "thread_id": "thread_1", "assistant_id": "asst_1",
            "status": .string(status), "model": "qwen-max",
        ]
        if let lastError { json["last_error"] = lastError }
        if let reason { json["incomplete_details"] = ["reason": .string(reason)] }
        return try Run(wireJSON: .object(json))
    }

    func testEachEndingHasItsStopReason() throws {
        XCTAssertEqual(PromptOutcome.of(try run("completed"), cancelRequested: false), .stop("end_turn"))
        XCTAssertEqual(PromptOutcome.of(try run("incomplete"), cancelRequested: false), .stop("max_tokens"))
        XCTAssertEqual(PromptOutcome.of(try run("cancelled"), cancelRequested: false), .stop("cancelled"))
    }

    func testAnIncompleteRunSaysWhichLimitOrFilterStoppedIt() throws {
        XCTAssertEqual(PromptOutcome.of(try run("incomplete", incomplete: "max_tokens"), cancelRequested: false), .stop("max_tokens"))
        XCTAssertEqual(PromptOutcome.of(try run("incomplete", incomplete: "max_rounds"), cancelRequested: false), .stop("max_turn_requests"))
        XCTAssertEqual(PromptOutcome.of(try run("incomplete", incomplete: "content_filter"), cancelRequested: false), .stop("refusal"))
    }

    func testACancelRequestWinsOverHowTheRunEnded() throws {
        XCTAssertEqual(PromptOutcome.of(try run("completed"), cancelRequested: true), .stop("cancelled"))
        XCTAssertEqual(PromptOutcome.of(try run("failed"), cancelRequested: true), .stop("cancelled"))
    }

    func testAFailedRunCarriesItsLastError() throws {
        let failed = try run("failed", lastError: ["code": "rate_limit_exceeded", "message": "slow down"])
        XCTAssertEqual(PromptOutcome.of(failed, cancelRequested: false), .failure(code: "rate_limit_exceeded", message: "slow down"))
        XCTAssertEqual(PromptOutcome.of(try run("expired"), cancelRequested: false), .failure(code: "expired", message: "The run expired before it finished."))
    }

    func testTheServicesModerationIsARefusal() throws {
        let moderated = try run("failed", lastError: ["code": "DataInspectionFailed", "message": "Input data may contain inappropriate content."])
        XCTAssertEqual(PromptOutcome.of(moderated, cancelRequested: false), .stop("refusal"))
    }
}
