import Foundation
import JSONCore
import XCTest

/// JSONValueDecoder's number rules, optionals and errors, next to Foundation's JSONDecoder.
final class JSONValueDecoderTests: XCTestCase {
    let decoder = JSONValueDecoder()

    func testIntegersDecodeAsFloatingPoint() throws {
        XCTAssertEqual(try decoder.decode(Double.self, from: 3), 3.0)
        XCTAssertEqual(try decoder.decode(Float.self, from: -2), -2.0)
        XCTAssertEqual(try decoder.decode(Double.self, from: .int(Int64.max)), 9.223372036854776e18)
        XCTAssertEqual(try decoder.decode([Double].self, from: [1, 2.5]), [1, 2.5])
    }

    func testWholeDoublesDecodeAsIntegers() throws {
        XCTAssertEqual(try decoder.decode(Int.self, from: .double(7)), 7)
        XCTAssertEqual(try decoder.decode(Int64.self, from: .double(1e3)), 1000)
        XCTAssertEqual(try decoder.decode(UInt8.self, from: .double(255)), 255)
        XCTAssertEqual(try decoder.decode(Int.self, from: .double(-0.0)), 0)
        // The same through Foundation, from text.
        XCTAssertEqual(try FoundationReference.decode([Int].self, text: "[7.0, 1e3]"), [7, 1000])
    }

    func testIntegerExtremes() throws {
        for value in [Int64.min, Int64.min + 1, -1, 0, 1, Int64.max - 1, Int64.max] {
            XCTAssertEqual(try decoder.decode(Int64.self, from: .int(value)), value)
            XCTAssertEqual(try decoder.decode(Int64.self, from: try JSONValue(encoding: value)), value)
        }
        XCTAssertEqual(try decoder.decode(Int64.self, from: try JSONValue.parse("-9223372036854775808")), Int64.min)
        XCTAssertEqual(try decoder.decode(UInt64.self, from: .int(Int64.max)), UInt64(Int64.max))
        XCTAssertEqual(try decoder.decode(Int8.self, from: -128), -128)
    }

    func testNumbersThatDoNotFitAreDataCorrupted() {
        let cases: [(JSONValue, () throws -> Any)] = [
            (.double(1.5), { try self.decoder.decode(Int.self, from: .double(1.5)) }),
            (300, { try self.decoder.decode(Int8.self, from: 300) }),
            (-1, { try self.decoder.decode(UInt.self, from: -1) }),
            (.double(1e20), { try self.decoder.decode(Int64.self, from: .double(1e20)) }),
            (.double(1e39), { try self.decoder.decode(Float.self, from: .double(1e39)) }),
        ]
        for (value, body) in cases {
            let failure = decodingFailure(body)
            XCTAssertEqual(failure?.kind, "dataCorrupted", "\(value)")
            XCTAssertTrue(failure?.message.contains("<\(value)> does not fit") == true, failure?.message ?? "")
        }
        let nested = decodingFailure { try self.decoder.decode([String: [Int]].self, from: ["a": [1, 2.5]]) }
        XCTAssertEqual(nested?.path, ["a", "Index 1"])
        XCTAssertEqual(nested?.kind, "dataCorrupted")
    }

    func testFloatingPointEdges() throws {
        let values: [Double] = [
            -0.0, 0.1, 1e-300, Double.leastNonzeroMagnitude, 1e300, Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude,
            9007199254740992, 9007199254740994, 123456.789,
        ]
        for value in values {
            let decoded = try decoder.decode(Double.self, from: try JSONValue(encoding: value))
            XCTAssertEqual(decoded, value)
            XCTAssertEqual(decoded.sign, value.sign, "sign of \(value)")
            XCTAssertEqual(try FoundationReference.decode(Double.self, try JSONValue(encoding: value)), value)
        }
        XCTAssertEqual(try decoder.decode(Float.self, from: .double(0.1)), Float(0.1))
        XCTAssertEqual(try decoder.decode(Float.self, from: try JSONValue(encoding: Float(0.1))), Float(0.1))
    }

    func testOptionals() throws {
        struct Sample: Decodable, Equatable { var a: Int?; var b: String?; var c: [Int?]? }
        XCTAssertEqual(try decoder.decode(Sample.self, from: [:]), Sample(a: nil, b: nil, c: nil))
        XCTAssertEqual(try decoder.decode(Sample.self, from: ["a": nil, "b": nil, "c": nil]), Sample(a: nil, b: nil, c: nil))
        XCTAssertEqual(try decoder.decode(Sample.self, from: ["a": 1, "b": "x", "c": [nil, 2]]), Sample(a: 1, b: "x", c: [nil, 2]))
        // Present but of the wrong kind is still an error.
        XCTAssertEqual(decodingFailure { try self.decoder.decode(Sample.self, from: ["b": 1]) }?.path, ["b"])
    }

    func testDecodeNilAndContains() throws {
        struct Probe: Decodable {
            var results: [String] = []
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: JSONValueTestKey.self)
                results.append("contains n: \(container.contains(JSONValueTestKey("n")))")
                results.append("contains m: \(container.contains(JSONValueTestKey("m")))")
                results.append("nil n: \(try container.decodeNil(forKey: JSONValueTestKey("n")))")
                results.append("nil v: \(try container.decodeNil(forKey: JSONValueTestKey("v")))")
                let missing = decodingFailure { try container.decodeNil(forKey: JSONValueTestKey("m")) }
                results.append("nil m: \(missing?.kind ?? "no error")")
                results.append("keys: \(container.allKeys.map(\.stringValue).sorted())")
                var list = try container.nestedUnkeyedContainer(forKey: JSONValueTestKey("list"))
                results.append("list nil: \(try list.decodeNil()) \(try list.decodeNil()) \(list.currentIndex)")
                results.append("list int: \(try list.decode(Int.self)) end: \(list.isAtEnd)")
                results.append("list nil at end: \(decodingFailure { try list.decodeNil() }?.kind ?? "no error")")
            }
        }
        let value: JSONValue = ["n": nil, "v": 1, "list": [nil, 5]]
        let ours = try decoder.decode(Probe.self, from: value).results
        XCTAssertEqual(ours, [
            "contains n: true", "contains m: false", "nil n: true", "nil v: false", "nil m: keyNotFound(m)",
            #"keys: ["list", "n", "v"]"#, "list nil: true false 1", "list int: 5 end: true", "list nil at end: valueNotFound",
        ])
        XCTAssertEqual(try FoundationReference.decode(Probe.self, value).results, ours)
    }

    // MARK: errors

    struct Inner: Decodable { var count: Int; var name: String }
    struct Outer: Decodable { var items: [Inner]; var byKey: [String: Inner]; var flag: Bool }

    /// Each broken document fails with the case and path Foundation reports.
    func testErrorsCarryFoundationsCaseAndPath() throws {
        let good: JSONValue = ["items": [["count": 1, "name": "a"]], "byKey": ["k": ["count": 2, "name": "b"]], "flag": true]
        XCTAssertNoThrow(try decoder.decode(Outer.self, from: good))
        let broken: [(JSONValue, DecodingFailure)] = [
            (["items": [], "byKey": [:]], .init(kind: "keyNotFound(flag)", path: [])),
            (["items": [["count": 1]], "byKey": [:], "flag": true], .init(kind: "keyNotFound(name)", path: ["items", "Index 0"])),
            (["items": [["count": 1, "name": "a"], ["count": "2", "name": "b"]], "byKey": [:], "flag": true],
             .init(kind: "typeMismatch", path: ["items", "Index 1", "count"])),
            (["items": [], "byKey": ["k": ["count": nil, "name": "b"]], "flag": true], .init(kind: "valueNotFound", path: ["byKey", "k", "count"])),
            (["items": [], "byKey": ["k": [1]], "flag": true], .init(kind: "typeMismatch", path: ["byKey", "k"])),
            (["items": [], "byKey": [:], "flag": 1], .init(kind: "typeMismatch", path: ["flag"])),
            (["items": nil, "byKey": [:], "flag": true], .init(kind: "valueNotFound", path: ["items"])),
            (["items": [nil], "byKey": [:], "flag": true], .init(kind: "valueNotFound", path: ["items", "Index 0"])),
            (["items": "no", "byKey": [:], "flag": true], .init(kind: "typeMismatch", path: ["items"])),
            ([1, 2], .init(kind: "typeMismatch", path: [])),
            (nil, .init(kind: "valueNotFound", path: [])),
        ]
        for (document, expected) in broken {
            let ours = decodingFailure { try self.decoder.decode(Outer.self, from: document) }
            XCTAssertEqual(ours, expected, "\(document): \(ours?.description ?? "")")
            XCTAssertFalse(ours?.message.isEmpty ?? true)
            let theirs = decodingFailure { try FoundationReference.decode(Outer.self, document) }
            XCTAssertEqual(ours, theirs, "Foundation: \(theirs?.description ?? "")")
        }
    }

    func testErrorMessagesSayWhatWasFound() {
        let mismatch = decodingFailure { try self.decoder.decode([String: Int].self, from: ["a": "x"]) }
        XCTAssertEqual(mismatch?.message, "Expected to decode Int but found a string instead.")
        let missing = decodingFailure { try self.decoder.decode(Inner.self, from: ["count": 1]) }
        XCTAssertEqual(missing?.message, #"No value associated with key CodingKeys(stringValue: "name", intValue: nil) ("name")."#)
        let null = decodingFailure { try self.decoder.decode([String].self, from: [nil]) }
        XCTAssertEqual(null?.message, "Expected String value but found null instead.")
    }

    func testUnkeyedContainerAtEnd() {
        struct Pair: Decodable {
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                _ = try container.decode(Int.self)
                _ = try container.decode(Int.self)
            }
        }
        let ours = decodingFailure { try self.decoder.decode([Pair].self, from: [[1, 2], [1]]) }
        XCTAssertEqual(ours, DecodingFailure(kind: "valueNotFound", path: ["Index 1", "Index 1"]))
        XCTAssertEqual(ours?.message, "Unkeyed container is at end.")
        XCTAssertEqual(ours, decodingFailure { try FoundationReference.decode([Pair].self, [[1, 2], [1]]) })
    }

    func testFailedReadDoesNotAdvance() throws {
        struct Retry: Decodable {
            var read: [String] = []
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                if (try? container.decode(Int.self)) == nil { read.append(try container.decode(String.self)) }
                read.append("\(container.currentIndex)")
            }
        }
        XCTAssertEqual(try decoder.decode(Retry.self, from: ["s"]).read, ["s", "1"])
        XCTAssertEqual(try FoundationReference.decode(Retry.self, ["s"]).read, ["s", "1"])
    }

    func testIndexKeysCarryTheirPosition() {
        do {
            _ = try decoder.decode([[Int]].self, from: [[1], [2, "x"]])
            XCTFail("decoded")
        } catch let DecodingError.typeMismatch(_, context) {
            XCTAssertEqual(context.codingPath.map(\.intValue), [1, 1])
        } catch {
            XCTFail("\(error)")
        }
    }

    func testBrokenFoundationTypes() {
        XCTAssertEqual(decodingFailure { try self.decoder.decode([Data].self, from: ["not base64!"]) }?.kind, "dataCorrupted")
        XCTAssertEqual(decodingFailure { try self.decoder.decode(URL.self, from: "") }?.kind, "dataCorrupted")
        XCTAssertEqual(decodingFailure { try self.decoder.decode(URL.self, from: 1) }?.kind, "typeMismatch")
    }
}

extension DecodingFailure {
    init(kind: String, path: [String]) {
        self.kind = kind
        self.path = path
        message = ""
    }
}
