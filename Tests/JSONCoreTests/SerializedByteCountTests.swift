import JSONCore
import XCTest

/// `serializedByteCount` is exactly the length `serialized()` writes, escapes included.
final class SerializedByteCountTests: XCTestCase {
    func testTheCountIsTheSerializedLengthForEveryKindOfValue() {
        let values: [JSONValue] = [
            .null, true, false, 0, -42, .int(Int64.min), 1.5, .double(.nan), .double(-.infinity), 1e300,
            "", "plain", "quote \" backslash \\ slash /", "\n\r\t\u{8}\u{C}", "\u{0}\u{1}\u{1F}\u{7F}", "é中😀",
            [], [1, "two", [3]], [:], ["a": 1, "b\"\n": ["c": [true, .null]], "é": "\u{2}"],
        ]
        for value in values {
            XCTAssertEqual(value.serializedByteCount, value.serialized().count, value.serializedString())
            XCTAssertEqual(value.serializedByteCount, value.serialized(sortedKeys: true).count, value.serializedString())
        }
    }

    func testTheOutputOfALargeStringIsAllocatedOnce() {
        let value: JSONValue = ["content": .string(String(repeating: "x", count: 1 << 20)), "id": "msg_1"]
        let bytes = value.serialized()
        XCTAssertEqual(bytes.count, value.serializedByteCount)
        XCTAssertLessThan(bytes.capacity, bytes.count + 4096, "reserved exactly, not grown by doubling")
    }
}
