import Foundation
import JSONCore
import XCTest

/// Round trips through JSONValueEncoder and JSONValueDecoder, each checked against Foundation's
/// coders on the same value.
final class JSONValueCoderRoundTripTests: XCTestCase {
    /// Encodes with ours and Foundation's (equal JSONValues), decodes each result with ours and
    /// Foundation's (equal to the original).
    func assertAgreesWithFoundation<T: Codable & Equatable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let ours = try JSONValueEncoder().encode(value)
        let theirs = try FoundationReference.encode(value)
        XCTAssertEqual(ours, theirs, "encoded JSON differs from Foundation's", file: file, line: line)
        XCTAssertEqual(try JSONValueDecoder().decode(T.self, from: ours), value, "our round trip", file: file, line: line)
        XCTAssertEqual(try JSONValueDecoder().decode(T.self, from: theirs), value, "decoding Foundation's JSON", file: file, line: line)
        XCTAssertEqual(try FoundationReference.decode(T.self, ours), value, "Foundation decoding ours", file: file, line: line)
    }

    func testNestedStructsEnumsDictionariesAndArrays() throws {
        try assertAgreesWithFoundation(Tree.sample)
        var tree = Tree.sample
        tree.parent = Leaf(name: "p", weight: 3, note: "q")
        tree.flags = nil
        tree.maybeCounts = [nil, nil]
        tree.byName = [:]
        try assertAgreesWithFoundation(tree)
    }

    func testShapeOfEncodedTree() throws {
        let json = try JSONValue(encoding: Tree.sample)
        XCTAssertEqual(json["colour"], "BLUE")
        XCTAssertEqual(json["priority"], 9)
        XCTAssertEqual(json["maybeCounts"], [1, nil, 3])
        XCTAssertEqual(json["grid"], [[1, 2], [], [3]])
        XCTAssertEqual(json["leaves"]?.arrayValue?.first, ["name": "a", "weight": 1.5], "a nil optional member is left out")
        XCTAssertEqual(json["shapes"], [
            ["circle": ["radius": 2.5]], ["polygon": ["sides": 6]], ["polygon": ["sides": 3, "label": "tri"]], ["point": [:]],
        ])
        XCTAssertNil(json["parent"], "encodeIfPresent leaves nil out")
        XCTAssertEqual(json["raw"], ["k": [1, 2.5, "s", nil, true], "d": .double(0.125)])
        XCTAssertEqual(json["small"], .int(-128))
        XCTAssertEqual(json["unsigned"], .int(Int64(UInt32.max)))
        XCTAssertEqual(json["ratio"], .double(0.5))
    }

    func testExplicitContainersNestedAfterCreationAndSuperEncoder() throws {
        try assertAgreesWithFoundation(ManualLayout.sample)
        let json = try JSONValue(encoding: ManualLayout.sample)
        XCTAssertEqual(json, [
            "title": "t", "explicitNull": nil,
            "meta": ["tags": ["a", "b", ["x": 3, "y": -4]]],
            "super": ["name": "base", "weight": 7],
        ])
    }

    func testClassHierarchyThroughSuperEncoderAndSuperDecoder() throws {
        let dog = Dog(name: "Rex", legs: 3)
        let json = try JSONValueEncoder().encode(dog)
        XCTAssertEqual(json, ["name": "Rex", "super": ["legs": 3]])
        XCTAssertEqual(json, try FoundationReference.encode(dog))
        let back = try JSONValueDecoder().decode(Dog.self, from: json)
        XCTAssertEqual(back.name, "Rex")
        XCTAssertEqual(back.legs, 3)
    }

    func testSuperDecoderOfMissingMemberReadsNull() throws {
        struct OptionalBase: Decodable, Equatable {
            var base: String?
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: JSONValueTestKey.self)
                base = try Optional<String>(from: container.superDecoder())
                XCTAssertEqual(try container.superDecoder().codingPath.map(\.stringValue), ["super"])
            }
        }
        XCTAssertEqual(try JSONValueDecoder().decode(OptionalBase.self, from: [:]).base, nil)
        XCTAssertEqual(try JSONValueDecoder().decode(OptionalBase.self, from: ["super": "s"]).base, "s")
        XCTAssertEqual(try FoundationReference.decode(OptionalBase.self, [:]).base, nil)
    }

    func testOptionalsAtEveryLevel() throws {
        try assertAgreesWithFoundation(["a": nil, "b": 1] as [String: Int?])
        try assertAgreesWithFoundation([nil, "x"] as [String?])
        try assertAgreesWithFoundation([[nil], nil] as [[Int?]?])
        let optionalNone: Int?? = .some(nil)
        XCTAssertEqual(try JSONValueEncoder().encode(optionalNone), .null)
    }

    func testDictionariesKeepKeysAsGiven() throws {
        try assertAgreesWithFoundation(["camelCase": 1, "snake_case": 2, "": 3, "ü ✓": 4])
        try assertAgreesWithFoundation(["outer": ["inner": [true, false]]])
        // Int keys become strings, as in Foundation.
        XCTAssertEqual(try JSONValueEncoder().encode([1: "one", -2: "minus two"]), ["1": "one", "-2": "minus two"])
        try assertAgreesWithFoundation([1: "one", -2: "minus two"])
    }

    func testTopLevelScalars() throws {
        try assertAgreesWithFoundation("text")
        try assertAgreesWithFoundation(true)
        try assertAgreesWithFoundation(Int64.min)
        try assertAgreesWithFoundation(Colour.green)
        try assertAgreesWithFoundation(Shape.point)
        try assertAgreesWithFoundation([Colour]())
    }

    func testFoundationSpecialTypes() throws {
        let value = FoundationTypes(
            data: Data([0, 1, 2, 250, 255]), url: URL(string: "https://example.com/a/b?c=d&e=%20")!,
            date: Date(timeIntervalSinceReferenceDate: 700_000_000.25), decimal: Decimal(string: "12.75")!)
        try assertAgreesWithFoundation(value)
        let json = try JSONValue(encoding: value)
        XCTAssertEqual(json["data"], "AAEC+v8=")
        XCTAssertEqual(json["url"], "https://example.com/a/b?c=d&e=%20")
        XCTAssertEqual(json["date"], .double(700_000_000.25))
        XCTAssertEqual(json["decimal"], .double(12.75))
        XCTAssertEqual(try JSONValue(encoding: Decimal(7)), .int(7))
    }

    func testJSONValuePassesThroughUntouched() throws {
        let value: JSONValue = ["a": [.double(1.0), .int(1), nil, ["b": "c"]], "d": .double(-0.0)]
        XCTAssertEqual(try JSONValue(encoding: value), value)
        XCTAssertEqual(try JSONValue(encoding: value)["a"]?.arrayValue?.first?.serializedString(), "1.0")
        XCTAssertEqual(try value.decode(JSONValue.self), value)
        struct Holder: Codable, Equatable { var payload: JSONValue; var list: [JSONValue] }
        let holder = Holder(payload: value, list: [1, "x", nil])
        XCTAssertEqual(try JSONValue(encoding: holder).decode(Holder.self), holder)
    }

    /// Other decoders (Foundation's) still produce JSONValues, by asking for each kind in turn.
    func testJSONValueDecodesThroughFoundationDecoders() throws {
        let text = #"{"s":"x","b":false,"i":-7,"d":2.5,"n":null,"a":[1,"two",[]],"o":{"k":{}}}"#
        let viaFoundation = try FoundationReference.decode(JSONValue.self, text: text)
        XCTAssertEqual(viaFoundation, try JSONValue.parse(text))
        XCTAssertEqual(viaFoundation["i"], .int(-7), "integers stay integers")
        var encoded = try JSONEncoder().encode(viaFoundation)
        XCTAssertEqual(try JSONValue.parse(Array(encoded)), viaFoundation)
        encoded = try JSONEncoder().encode(["wrapped": viaFoundation])
        XCTAssertEqual(try JSONValue.parse(Array(encoded))["wrapped"], viaFoundation)
    }

    func testUserInfoReachesTheCodedTypes() throws {
        let key = CodingUserInfoKey(rawValue: "flavour")!
        struct Reader: Codable {
            var seen: String
            init(seen: String) { self.seen = seen }
            init(from decoder: any Decoder) throws { seen = decoder.userInfo[CodingUserInfoKey(rawValue: "flavour")!] as? String ?? "none" }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(encoder.userInfo[CodingUserInfoKey(rawValue: "flavour")!] as? String ?? "none")
            }
        }
        var encoder = JSONValueEncoder()
        encoder.userInfo[key] = "salty"
        XCTAssertEqual(try encoder.encode([Reader(seen: "")]), ["salty"])
        var decoder = JSONValueDecoder()
        decoder.userInfo[key] = "sweet"
        XCTAssertEqual(try decoder.decode([String: Reader].self, from: ["a": 1])["a"]?.seen, "sweet")
    }
}

/// A key for any member name, for hand-written test types.
struct JSONValueTestKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
