@testable import Bridge
import XCTest

/// `runs/event` frames write `seq` in place: the same digits as the number's text, after what
/// the frame holds already.
final class RunEventSeqDigitsTests: XCTestCase {
    func testDigitsMatchTheNumbersText() {
        var values: [Int64] = [0, 1, 9, 10, 11, 99, 100, 101, 65_535, 99_999, 100_000, 1_234_567_890, .max, -1, -10, .min]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1]
        }
        for value in values {
            var bytes = Array("seq:".utf8)
            RunEventStream.appendDecimal(value, to: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "seq:\(value)")
            XCTAssertEqual(RunEventStream.decimalCount(value), "\(value)".utf8.count, "\(value)")
        }
    }
}
