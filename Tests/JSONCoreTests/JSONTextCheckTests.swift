import JSONCore
import XCTest

/// `JSONValue.checkText` accepts exactly what `JSONValue.parse` accepts, and says what it saw.
final class JSONTextCheckTests: XCTestCase {
    static let valid = [
        #"{}"#, #"[]"#, #"0"#, #"-0.5e+10"#, #"true"#, #"false"#, #"null"#, #""""#, #" {"a" : [1, 2.5, "x", null] } "#,
        #"{"object":"thread.message.delta","delta":{"content":[{"type":"text","text":{"value":"hi"}}]}}"#,
        #""tab\tquote\"slash\/u\u00e9 pair\ud83d\ude00""#, "\"é中文😀\"", "{\n\"a\":\r\n1}",
        String(repeating: "[", count: 512) + String(repeating: "]", count: 512),
    ]
    static let invalid = [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{a:1}", "01", "1.", "-", ".5", "1e", "tru", "nul", "\"open", "\"a\"b",
        "\"\u{01}\"", #""\x""#, #""\u12""#, #""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, "[1] [2]", "{\"a\" 1}",
        String(repeating: "[", count: 513) + String(repeating: "]", count: 513),
    ]

    func check(_ text: String) -> JSONTextFacts? { check(Array(text.utf8)) }
    func check(_ bytes: [UInt8]) -> JSONTextFacts? { bytes.withUnsafeBufferPointer(JSONValue.checkText) }

    func testAcceptsWhatTheParserAccepts() {
        for text in Self.valid {
            XCTAssertNoThrow(try JSONValue.parse(text), text)
            XCTAssertNotNil(check(text), text)
        }
        for text in Self.invalid {
            XCTAssertThrowsError(try JSONValue.parse(text), text)
            XCTAssertNil(check(text), text)
        }
    }

    func testRejectsInvalidUTF8LikeTheParser() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            XCTAssertThrowsError(try JSONValue.parse(bytes))
            XCTAssertNil(check(bytes))
        }
    }

    func testFacts() {
        XCTAssertEqual(check(#"{"a":"plain"}"#), JSONTextFacts())
        XCTAssertEqual(check("{\n\"a\":1}")?.hasLineBreak, true)
        XCTAssertEqual(check("{\"a\":\t1}")?.hasLineBreak, false)
        let newline = check(#"{"a":"line\nbreak"}"#)
        XCTAssertEqual(newline?.hasLineBreak, false, "an escaped newline is no line break in the text")
        XCTAssertEqual(newline?.hasEscape, true)
        XCTAssertEqual(newline?.hasDisguisingEscape, false)
        XCTAssertEqual(check(#""\u0073k""#)?.hasDisguisingEscape, true)
        XCTAssertEqual(check(#""a\/b""#)?.hasDisguisingEscape, true)
    }
}
