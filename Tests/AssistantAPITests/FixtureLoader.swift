import Foundation
import JSONCore
import XCTest

/// Reads the sample documents in Fixtures/ (see Fixtures/README.md for where each came from).
enum Fixture {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    static func names(withExtension ext: String = "json") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".\(ext)") }.sorted()
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func json(_ name: String) throws -> JSONValue {
        try JSONValue.parse(Array(try text(name).utf8))
    }
}
