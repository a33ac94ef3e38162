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

    /// Strings of every length around the eight-byte steps of the string scan, with each kind of
    /// byte it must stop at (or note) at every position, then one byte of each changed: the check
    /// and the parser agree on all of them, and the facts match the bytes.
    func testAgreesWithTheParserOnStringsOfEveryShape() {
        let pieces: [[UInt8]] = [
            Array("a".utf8), Array("abcdefgh".utf8), Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\n"#.utf8),
            Array(#"\u00e9"#.utf8), Array(#"\ud83d\ude00"#.utf8), Array("é".utf8), Array("😀".utf8), [0x7F], [0x20],
        ]
        let oddBytes: [UInt8] = [0x22, 0x5C, 0x00, 0x01, 0x0A, 0x0D, 0x1F, 0x20, 0x7F, 0x80, 0xC3, 0xED, 0xFF, 0x75, 0x61]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func draw(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for length in 0..<40 {
            for _ in 0..<40 {
                var body: [UInt8] = []
                while body.count < length { body += pieces[draw(pieces.count)] }
                let text = Array(#"{"k":""#.utf8) + body + Array(#"","n":[1,"x"]}"#.utf8)
                var variants = [text]
                for _ in 0..<4 {
                    var changed = text
                    changed[draw(changed.count)] = oddBytes[draw(oddBytes.count)]
                    variants.append(changed)
                }
                for bytes in variants {
                    let parsed = try? JSONValue.parse(bytes)
                    let facts = check(bytes)
                    XCTAssertEqual(facts != nil, parsed != nil, String(decoding: bytes, as: UTF8.self))
                    if let facts {
                        XCTAssertEqual(facts.hasEscape, bytes.contains(0x5C))
                        XCTAssertEqual(facts.hasLineBreak, bytes.contains(0x0A) || bytes.contains(0x0D))
                    }
                }
            }
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
