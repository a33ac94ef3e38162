import Foundation
import JSONCore
import XCTest

/// JSONValueEncoder's number rules and errors: what Foundation's JSONEncoder writes, read back.
final class JSONValueEncoderTests: XCTestCase {
    let encoder = JSONValueEncoder()

    func testDoublesAsFoundationWritesThem() throws {
        let twoTo53 = 9007199254740992.0
        let values: [Double] = [
            0, 1, -1, 3.0, 0.5, -2.25, 1e-7, 123456789012, twoTo53, -twoTo53, twoTo53 + 2, 1e16, 1e300,
            Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude, 0.1 + 0.2,
        ]
        for value in values {
            XCTAssertEqual(try encoder.encode(value), try FoundationReference.encode(value), "\(value)")
        }
        XCTAssertEqual(try encoder.encode(3.0), .int(3), "a whole double is written without its fraction")
        XCTAssertEqual(try encoder.encode(twoTo53), .int(9007199254740992))
        XCTAssertEqual(try encoder.encode(twoTo53 + 2), .double(twoTo53 + 2), "Swift prints this one with an exponent")
        XCTAssertEqual(try encoder.encode(1e16), .double(1e16))
    }

    func testNegativeZeroKeepsItsSign() throws {
        let encoded = try encoder.encode(-0.0)
        XCTAssertEqual(encoded, .double(-0.0))
        XCTAssertEqual(encoded.doubleValue?.sign, .minus)
        XCTAssertEqual(try JSONValue.parse(encoded.serialized()).doubleValue?.sign, .minus)
        // Foundation's own round trip keeps it too.
        XCTAssertEqual(try JSONDecoder().decode(Double.self, from: JSONEncoder().encode(-0.0)).sign, .minus)
    }

    func testFloatsAsFoundationWritesThem() throws {
        let values: [Float] = [0, 1, 0.1, -2.5, 16777216, 16777218, 1e10, 3.4e38, Float.leastNonzeroMagnitude]
        for value in values {
            XCTAssertEqual(try encoder.encode(value), try FoundationReference.encode(value), "\(value)")
        }
        XCTAssertEqual(try encoder.encode(Float(0.1)), .double(0.1), "Float's own digits, not the widened double's")
    }

    func testIntegerExtremes() throws {
        XCTAssertEqual(try encoder.encode(Int64.min), .int(Int64.min))
        XCTAssertEqual(try encoder.encode(Int64.max), .int(Int64.max))
        XCTAssertEqual(try encoder.encode(Int8.min), .int(-128))
        XCTAssertEqual(try encoder.encode(UInt64(Int64.max)), .int(Int64.max))
        // Beyond Int64 a JSONValue holds a double, as our parser does for Foundation's digits.
        XCTAssertEqual(try encoder.encode(UInt64.max), .double(Double(UInt64.max)))
        XCTAssertEqual(try encoder.encode(UInt64.max), try FoundationReference.encode(UInt64.max))
        XCTAssertEqual(try encoder.encode([UInt.max, 0]), try FoundationReference.encode([UInt.max, 0]))
    }

    func testNonFiniteNumbersThrowWithPath() {
        struct Box: Encodable { var values: [String: [Double]] }
        for bad in [Double.nan, .infinity, -.infinity] {
            do {
                _ = try encoder.encode(Box(values: ["k": [1, bad]]))
                XCTFail("encoded \(bad)")
            } catch EncodingError.invalidValue(_, let context) {
                XCTAssertEqual(context.codingPath.map(\.stringValue), ["values", "k", "Index 1"])
                XCTAssertTrue(context.debugDescription.contains("Unable to encode Double.\(bad)"), context.debugDescription)
            } catch {
                XCTFail("\(error)")
            }
        }
        XCTAssertThrowsError(try encoder.encode(Float.nan))
        XCTAssertThrowsError(try encoder.encode(["x": Float.infinity]))
    }

    func testEncodingNothing() throws {
        XCTAssertThrowsError(try encoder.encode(Silent())) { error in
            guard case EncodingError.invalidValue(_, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.debugDescription, "Top-level Silent did not encode any values.")
        }
        XCTAssertThrowsError(try JSONEncoder().encode(Silent()))
        XCTAssertEqual(try encoder.encode([Silent()]), [[:]], "nested, nothing is an empty object")
        XCTAssertEqual(try encoder.encode(["k": Silent()]), try FoundationReference.encode(["k": Silent()]))
    }

    func testCodingPathsSeenWhileEncoding() throws {
        final class PathLog: @unchecked Sendable { var paths: [[String]] = [] }
        struct Spy: Encodable {
            let log: PathLog
            func encode(to encoder: any Encoder) throws {
                log.paths.append(encoder.codingPath.map(\.stringValue))
                var container = encoder.singleValueContainer()
                try container.encode("spy")
            }
        }
        struct Host: Encodable {
            var spy: Spy
            var list: [Spy]
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: JSONValueTestKey.self)
                try container.encode(spy, forKey: JSONValueTestKey("spy"))
                try container.encode(list, forKey: JSONValueTestKey("list"))
                var nested = container.nestedContainer(keyedBy: JSONValueTestKey.self, forKey: JSONValueTestKey("nested"))
                XCTAssertEqual(nested.codingPath.map(\.stringValue), ["nested"])
                try nested.encode(spy, forKey: JSONValueTestKey("deeper"))
                try spy.encode(to: container.superEncoder())
            }
        }
        let log = PathLog()
        let spy = Spy(log: log)
        let json = try encoder.encode(Host(spy: spy, list: [spy, spy]))
        XCTAssertEqual(log.paths, [["spy"], ["list", "Index 0"], ["list", "Index 1"], ["nested", "deeper"], ["super"]])
        XCTAssertEqual(json, ["spy": "spy", "list": ["spy", "spy"], "nested": ["deeper": "spy"], "super": "spy"])
        // Foundation writes the same; its nested container reports ["deeper"] alone, dropping
        // "nested" (a Foundation bug), so its paths are not compared.
        XCTAssertEqual(try FoundationReference.encode(Host(spy: spy, list: [spy, spy])), json)
    }

    func testUnkeyedSuperEncoderAndNestedContainers() throws {
        struct Mixed: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.unkeyedContainer()
                let superEncoder = container.superEncoder()
                var nested = container.nestedUnkeyedContainer()
                try container.encode(1)
                var inner = container.nestedContainer(keyedBy: JSONValueTestKey.self)
                try inner.encode("v", forKey: JSONValueTestKey("k"))
                try nested.encode(true)
                var single = superEncoder.singleValueContainer()
                try single.encode("first")
            }
        }
        let json = try encoder.encode(Mixed())
        XCTAssertEqual(json, ["first", [true], 1, ["k": "v"]])
        XCTAssertEqual(json, try FoundationReference.encode(Mixed()))
    }

    func testEncodeIfPresentOmitsAndEncodeNilWritesNull() throws {
        struct Fields: Encodable {
            var some: Int? = 1
            var none: Int?
            var text: String?
            var flag: Bool?
            var number: Double? = 2.5
            var nested: [Int]?
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: JSONValueTestKey.self)
                try container.encodeIfPresent(some, forKey: JSONValueTestKey("some"))
                try container.encodeIfPresent(none, forKey: JSONValueTestKey("none"))
                try container.encodeIfPresent(text, forKey: JSONValueTestKey("text"))
                try container.encodeIfPresent(flag, forKey: JSONValueTestKey("flag"))
                try container.encodeIfPresent(number, forKey: JSONValueTestKey("number"))
                try container.encodeIfPresent(nested, forKey: JSONValueTestKey("nested"))
                try container.encodeNil(forKey: JSONValueTestKey("null"))
                try container.encode(none, forKey: JSONValueTestKey("explicit"))
            }
        }
        let json = try encoder.encode(Fields())
        XCTAssertEqual(json, ["some": 1, "number": 2.5, "null": nil, "explicit": nil])
        XCTAssertEqual(json, try FoundationReference.encode(Fields()))
    }
}
