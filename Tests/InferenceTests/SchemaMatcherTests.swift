import XCTest
@testable import Inference

/// The byte-level matcher on its own (no model).
final class SchemaMatcherTests: XCTestCase {
    private func matcher(_ schema: String) throws -> JSONSchemaMatcher {
        JSONSchemaMatcher(graph: try SchemaGraph(schemaJSON: schema, toolName: "t"))
    }

    private func accepts(_ schema: String, _ text: String) throws -> Bool {
        var m = try matcher(schema)
        return m.feed(bytes: Array(text.utf8)) && m.isComplete
    }

    func testAcceptsValidAndRejectsInvalid() throws {
        let s = #"{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string","enum":["x","y"]},"c":{"type":"array","items":{"type":"boolean"},"maxItems":2}},"required":["b"]}"#
        XCTAssertTrue(try accepts(s, #"{"b":"x"}"#))
        XCTAssertTrue(try accepts(s, #"{ "a": -12, "b": "y", "c": [true, false]}"#))
        XCTAssertTrue(try accepts(s, #"{"a":0,"b":"x","c":[]}"#))
        XCTAssertFalse(try accepts(s, #"{}"#), "required key missing")
        XCTAssertFalse(try accepts(s, #"{"a":1.5,"b":"x"}"#), "integer with a fraction")
        XCTAssertFalse(try accepts(s, #"{"b":"z"}"#), "not in enum")
        XCTAssertFalse(try accepts(s, #"{"b":"x","a":1}"#), "keys come in declared order")
        XCTAssertFalse(try accepts(s, #"{"b":"x","c":[true,true,true]}"#), "maxItems")
        XCTAssertFalse(try accepts(s, #"{"b":"x"}  "#), "nothing after the object")
        XCTAssertFalse(try accepts(s, #"{  "b":"x"}"#), "whitespace is bounded")
        XCTAssertFalse(try accepts(s, #"{"a":01,"b":"x"}"#), "leading zero")
    }

    func testStringsAreUTF8AndEscapedCorrectly() throws {
        let s = #"{"type":"object","properties":{"s":{"type":"string","maxLength":5}},"required":["s"]}"#
        XCTAssertTrue(try accepts(s, #"{"s":"日本\n\"x"}"#))
        XCTAssertFalse(try accepts(s, #"{"s":"abcdef"}"#), "maxLength")
        XCTAssertFalse(try accepts(s, "{\"s\":\"a\u{1}\"}"), "raw control character")
        var m = try matcher(s)
        XCTAssertTrue(m.feed(bytes: Array(#"{"s":""#.utf8)))
        XCTAssertFalse(m.feed(0xC0), "invalid UTF-8 lead byte")
        var m2 = try matcher(s)
        XCTAssertTrue(m2.feed(bytes: Array(#"{"s":""#.utf8) + [0xE6]))
        XCTAssertFalse(m2.feed(0x41), "continuation byte required")
    }

    func testMinimalCompletionAlwaysCompletes() throws {
        let schemas = [ToolCallTests.weather, ToolCallTests.event, ToolCallTests.thermostat, ToolCallTests.search].map(\.parametersJSON)
        let samples = [
            #"{"location": "Bos"#, #"{"title":"Lunch","day":1"#, #"{"temperature":21."#, #"{"query":"trains","filters":{"category":"to"#,
            #"{"#, #"{ "#, #"{"title":"a","attendees":[""#, #"{"query":"x","filters":{"category":"books","max_price":"#,
        ]
        for schema in schemas {
            for sample in samples {
                var m = try matcher(schema)
                var fed: [UInt8] = []
                for b in sample.utf8 {
                    guard m.feed(b) else { break }
                    fed.append(b)
                }
                let closing = m.minimalCompletion()
                XCTAssertTrue(m.feed(bytes: closing) && m.isComplete, "\(String(decoding: fed, as: UTF8.self)) + \(String(decoding: closing, as: UTF8.self))")
                let text = String(decoding: fed + closing, as: UTF8.self)
                XCTAssertNoThrow(try JSONText.parse(text), text)
            }
        }
    }

    func testUnsupportedKeywordsDegradeToAnyValue() throws {
        let s = ##"{"type":"object","properties":{"x":{"not":{"type":"string"}},"y":{"$ref":"#/$defs/missing"}},"required":["x","y"]}"##
        XCTAssertTrue(try accepts(s, #"{"x":{"k":[1,"a",null]},"y":true}"#))
        XCTAssertFalse(try accepts(s, #"{"x":tru,"y":1}"#))
    }
}
