import Foundation
import JSONCore
import XCTest

/// Replays every protocol/examples/*.jsonl against the built binary, in both framings.
final class TranscriptTests: XCTestCase {
    func testEveryExampleTranscriptInBothFramings() throws {
        let transcripts = try Transcript.loadAll()
        XCTAssertGreaterThanOrEqual(transcripts.count, 7)
        let names = Set(transcripts.map(\.name))
        XCTAssertTrue(names.isSuperset(of: ["streamed-run.jsonl", "tools-call.jsonl"]), "\(names)")
        for transcript in transcripts {
            XCTAssertFalse(transcript.steps.isEmpty, transcript.name)
            for framing in transcript.framings {
                for failure in try transcript.replay(framing: framing) { XCTFail(failure) }
            }
        }
    }

    func testPatternMatcherIsStrictWhereItShouldBe() {
        XCTAssertTrue(PatternMatch.matches(["id": 1, "result": "$any"], ["id": 1, "result": ["x": 1]]))
        XCTAssertFalse(PatternMatch.matches(["id": 1, "result": "$any"], ["id": "1", "result": 1]), "id types differ")
        XCTAssertFalse(PatternMatch.matches(["id": 1], ["id": 1, "extra": true]), "extra keys need $partial")
        XCTAssertTrue(PatternMatch.matches(["$partial": true, "id": 1], ["id": 1, "extra": true]))
        XCTAssertFalse(PatternMatch.matches(["a": "$int"], ["a": 1.5]))
        XCTAssertTrue(PatternMatch.matches(["$unordered", 1, 2], [2, 1]))
        XCTAssertFalse(PatternMatch.matches(["$unordered", 1, 2], [2, 1, 3]))
        XCTAssertFalse(PatternMatch.matches([1, 2], [2, 1]))
    }

    func testExpectGroupsKeepOrderPerRequest() {
        let pending: [JSONValue] = [
            ["method": "runs/event", "params": ["request": 1, "seq": 0]],
            ["id": 1, "result": "$any"],
            ["id": 2, "result": "$any"],
        ]
        var bindings = PatternMatch.Bindings()
        XCTAssertNil(Transcript.matchingIndex(for: ["id": 1, "result": 5], in: pending, bindings: &bindings), "response 1 may not overtake its event")
        XCTAssertEqual(Transcript.matchingIndex(for: ["id": 2, "result": 5], in: pending, bindings: &bindings), 2, "other requests are free")
    }

    func testBindingsTakeTheFirstValueHoldItAndFillSends() {
        var bindings = PatternMatch.Bindings()
        XCTAssertTrue(PatternMatch.matches(["id": "${run}", "run_id": "${run}"], ["id": "run_1", "run_id": "run_1"], bindings: &bindings))
        XCTAssertEqual(bindings.values, ["run": "run_1"])
        XCTAssertFalse(PatternMatch.matches(["id": "${run}"], ["id": "run_2"], bindings: &bindings), "bound to run_1")
        XCTAssertFalse(PatternMatch.matches(["id": "${other}"], ["id": 5], bindings: &bindings), "binds strings only")
        XCTAssertEqual(bindings.substituted(["params": ["run_id": "${run}", "list": ["${run}", "${unbound}"]]]),
                       ["params": ["run_id": "run_1", "list": ["run_1", "${unbound}"]]])
        let pending: [JSONValue] = [["id": 1, "result": ["id": "${thread}", "object": "thread"]]]
        var untouched = PatternMatch.Bindings()
        XCTAssertNil(Transcript.matchingIndex(for: ["id": 1, "result": ["id": "thread_9", "object": "run"]], in: pending, bindings: &untouched))
        XCTAssertEqual(untouched.values, [:], "a failed match binds nothing")
    }
}
