import XCTest
@testable import Inference

final class RepetitionPenaltyTests: XCTestCase {
    func testRecentTokensArePenalisedOnceEachAsLlamaCppDoes() {
        var logits: [Float] = [2, -2, 3, 4, 1]
        let options = SamplingOptions(repetitionPenalty: 2, repetitionWindow: 3)
        logits.withUnsafeMutableBufferPointer { l in
            // Token 4 is outside the window of 3; token 0 appears twice but is divided once.
            RepetitionPenalty.apply(options, recent: [4, 0, 1, 0], to: l.baseAddress!)
        }
        XCTAssertEqual(logits, [1, -4, 3, 4, 1])
    }

    func testAPenaltyOfOneLeavesTheLogits() {
        var logits: [Float] = [2, -2, 3]
        logits.withUnsafeMutableBufferPointer { l in
            RepetitionPenalty.apply(SamplingOptions(), recent: [0, 1, 2], to: l.baseAddress!)
        }
        XCTAssertEqual(logits, [2, -2, 3])
    }
}
