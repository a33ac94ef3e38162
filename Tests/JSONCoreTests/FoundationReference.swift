import Foundation
import JSONCore
import XCTest

/// What Foundation's JSON coders (default strategies) make of the same values: the reference
/// the JSONValue coders are checked against.
enum FoundationReference {
    /// Foundation's JSONEncoder output, read back by our parser.
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONValue.parse(Array(try JSONEncoder().encode(value)))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(value.serialized()))
    }

    static func decode<T: Decodable>(_ type: T.Type, text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

/// A DecodingError's case and path, spelled for comparisons.
struct DecodingFailure: Equatable, CustomStringConvertible {
    var kind: String
    var path: [String]
    var message: String

    init(_ error: any Error) {
        guard let error = error as? DecodingError else {
            kind = "not a DecodingError: \(error)"
            path = []
            message = ""
            return
        }
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c): kind = "typeMismatch"; context = c
        case .valueNotFound(_, let c): kind = "valueNotFound"; context = c
        case .keyNotFound(let key, let c): kind = "keyNotFound(\(key.stringValue))"; context = c
        case .dataCorrupted(let c): kind = "dataCorrupted"; context = c
        @unknown default: kind = "unknown"; context = .init(codingPath: [], debugDescription: "")
        }
        path = context.codingPath.map(\.stringValue)
        message = context.debugDescription
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.kind == rhs.kind && lhs.path == rhs.path }
    var description: String { "\(kind) at \(path): \(message)" }
}

/// The failure `body` throws, or nil (and a test failure) when it throws nothing.
func decodingFailure<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> DecodingFailure? {
    do {
        _ = try body()
        XCTFail("no error thrown", file: file, line: line)
        return nil
    } catch {
        return DecodingFailure(error)
    }
}
