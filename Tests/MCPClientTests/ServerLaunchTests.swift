import Foundation
import XCTest

@testable import MCPClient

final class ServerLaunchTests: XCTestCase {
    func testABareCommandIsLookedUpInThePathTheServerWillSee() throws {
        let sh = try XCTUnwrap(ServerLaunch.resolve("sh", path: "/bin", workingDirectory: nil))
        XCTAssertEqual(sh, "/bin/sh")
        XCTAssertEqual(ServerLaunch.resolve("sh", path: "/nonexistent-dir:/bin", workingDirectory: nil), "/bin/sh")
        XCTAssertNil(ServerLaunch.resolve("sh", path: "/nonexistent-dir", workingDirectory: nil))
    }

    func testAPathIsTakenAsItIsOrRelativeToTheWorkingDirectory() throws {
        XCTAssertEqual(ServerLaunch.resolve("/bin/sh", path: nil, workingDirectory: nil), "/bin/sh")
        XCTAssertEqual(ServerLaunch.resolve("./sh", path: nil, workingDirectory: "/bin"), "/bin/./sh")
        XCTAssertNil(ServerLaunch.resolve("./sh", path: nil, workingDirectory: "/nonexistent-dir"))
        // A directory is not an executable, nor is a file without the execute bit.
        XCTAssertNil(ServerLaunch.resolve("/bin", path: nil, workingDirectory: nil))
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("not-executable-\(UUID().uuidString)").path
        XCTAssertTrue(FileManager.default.createFile(atPath: plain, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o644]))
        defer { try? FileManager.default.removeItem(atPath: plain) }
        XCTAssertNil(ServerLaunch.resolve(plain, path: nil, workingDirectory: nil))
    }

    func testSecretLookingNamesAreRecognised() {
        for name in ["GITHUB_TOKEN", "api_key", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "GOOGLE_APPLICATION_CREDENTIALS"] {
            XCTAssertTrue(ServerLaunch.looksSecret(name), name)
        }
        for name in ["PATH", "HOME", "LOG_LEVEL"] {
            XCTAssertFalse(ServerLaunch.looksSecret(name), name)
        }
    }
}
