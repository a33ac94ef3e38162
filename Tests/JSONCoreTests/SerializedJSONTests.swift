import JSONCore
import XCTest

/// `SerializedJSON.memberNames` reads an object's top-level names without reading its values.
final class SerializedJSONTests: XCTestCase {
    func names(_ text: String) -> [String]? { SerializedJSON(bytes: Array(text.utf8)).memberNames() }

    func testMemberNamesInOrderWhateverTheValues() {
        XCTAssertEqual(names("{}"), [])
        XCTAssertEqual(names(" { } "), [])
        XCTAssertEqual(
            names(#"{"a":1,"b":"x,}]\"{","c":{"d":[1,{"e":"}"}],"f":null},"g":[],"h":true,"i":-1.5e3}"#),
            ["a", "b", "c", "g", "h", "i"])
        XCTAssertEqual(names(#"{ "sp" : [ 1 , 2 ] , "q\"uote\u00e9" : { } }"#), ["sp", "q\"uoteé"])
        XCTAssertEqual(names(#"{"ünï":"😀"}"#), ["ünï"])
    }

    func testNoNamesForWhatIsNotAnObject() {
        XCTAssertNil(names("[1,2]"))
        XCTAssertNil(names(#""text""#))
        XCTAssertNil(names(#"{"a":1"#))
        XCTAssertNil(names(#"{"a" 1}"#))
        XCTAssertNil(names(#"{"a":1 "b":2}"#))
    }

    /// Every object the serializer writes reads back with its names.
    func testNamesOfSerializedObjects() throws {
        let value: JSONValue = ["id": "x", "content": [["type": "text", "text": ["value": "a}b\"c", "annotations": []]]], "n": nil]
        let names = try XCTUnwrap(SerializedJSON(value).memberNames())
        XCTAssertEqual(Set(names), ["id", "content", "n"])
        XCTAssertEqual(names.count, 3)
    }
}
