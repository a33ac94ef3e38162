import JSONCore
import XCTest

final class JSONValueTests: XCTestCase {
    func testRoundTripsEveryKind() throws {
        let text = #"{"a":[1,-2,3.5,true,false,null],"b":"caf\u00e9 ✓ 😀","c":{"d":1e3}}"#
        let value = try JSONValue.parse(text)
        XCTAssertEqual(value["a"], [1, -2, 3.5, true, false, nil])
        XCTAssertEqual(value["b"], "café ✓ 😀")
        XCTAssertEqual(value["c"]?["d"], .double(1000))
        XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
    }

    func testIntegersStayIntegers() throws {
        XCTAssertEqual(try JSONValue.parse("7"), .int(7))
        XCTAssertEqual(try JSONValue.parse("7.0"), .double(7))
        XCTAssertEqual(JSONValue.int(7).serializedString(), "7")
        XCTAssertEqual(try JSONValue.parse("-9223372036854775808"), .int(Int64.min))
        XCTAssertEqual(try JSONValue.parse("9223372036854775808"), .double(9223372036854775808))
    }

    func testEscapesAndSurrogates() throws {
        XCTAssertEqual(try JSONValue.parse(#""\ud83d\ude00\n\t\"\\\/""#), .string("😀\n\t\"\\/"))
        XCTAssertEqual(JSONValue.string("a\"b\\c\n\u{01}").serializedString(), #""a\"b\\c\n\u0001""#)
    }

    func testRejectsMalformedInput() {
        let bad = ["", "{", "[1,]", "{\"a\"}", "01", "1.", "tru", "\"\\x\"", "\"\\ud800\"", "[1] 2", "\"a\u{01}\"", "-", "{1:2}"]
        for text in bad {
            XCTAssertThrowsError(try JSONValue.parse(text), "accepted \(text)")
        }
    }

    func testRejectsInvalidUTF8() {
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]))
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xED, 0xA0, 0x80, 0x22]))  // encoded surrogate
    }

    func testDepthIsCapped() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        XCTAssertThrowsError(try JSONValue.parse(deep))
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        XCTAssertNoThrow(try JSONValue.parse(fine))
    }

    func testErrorsNameTheOffset() {
        do {
            _ = try JSONValue.parse("[1, x]")
            XCTFail("parsed")
        } catch {
            XCTAssertEqual(error.offset, 4)
        }
    }

    func testCodableBridge() throws {
        struct Sample: Codable, Equatable { var name: String; var count: Int; var tags: [String] }
        let sample = Sample(name: "n", count: 3, tags: ["x"])
        let value = try JSONValue(encoding: sample)
        XCTAssertEqual(value["count"], 3)
        XCTAssertEqual(try value.decode(Sample.self), sample)
    }
}
