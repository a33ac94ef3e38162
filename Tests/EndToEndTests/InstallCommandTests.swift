import Foundation
import XCTest

/// `assistd install --prefix DIR` through the binary: the running binary lands in DIR/bin and runs.
final class InstallCommandTests: XCTestCase {
    func testCopiesTheBinaryIntoPrefixBinAndSaysWhenThatIsNotOnPath() throws {
        let prefix = try CommandRunner.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let binary = try AssistdBinary.path()
        for _ in 0..<2 {  // again over an existing one
            let result = try CommandRunner.run(binary, ["install", "--prefix", prefix], environment: ["PATH": "/usr/bin:/bin"])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, "installed: \(prefix)/bin/assistd\n")
            XCTAssertTrue(result.stderr.contains("\(prefix)/bin is not on PATH"), result.stderr)
        }
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: prefix + "/bin/assistd"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: prefix + "/bin"), ["assistd"])
        let installed = try CommandRunner.run(prefix + "/bin/assistd", ["--version"])
        let original = try CommandRunner.run(binary, ["--version"])
        XCTAssertEqual(installed.stdout, original.stdout)
        XCTAssertTrue(installed.stdout.hasPrefix("assistd "), installed.stdout)

        let onPath = try CommandRunner.run(binary, ["install", "--prefix", prefix], environment: ["PATH": "\(prefix)/bin:/usr/bin"])
        XCTAssertEqual(onPath.stderr, "")
        XCTAssertEqual(try CommandRunner.run(binary, ["install", "--bogus"]).status, 2)
    }
}
