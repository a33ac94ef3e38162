import JSONCore
import XCTest

@testable import MCPClient

final class MCPServerConfigTests: XCTestCase {
    func testReadsACPsStdioServer() throws {
        let entry: JSONValue = [
            "name": "files", "command": "/usr/bin/mcp-files", "args": ["--root", "/tmp"],
            "env": [["name": "TOKEN", "value": "abc"], ["name": "MODE", "value": "ro"]],
        ]
        let config = try MCPServerConfig(acp: entry, path: "mcpServers[0]", workingDirectory: "/work")
        XCTAssertEqual(
            config,
            MCPServerConfig(
                name: "files", command: "/usr/bin/mcp-files", arguments: ["--root", "/tmp"],
                environment: [.init(name: "TOKEN", value: "abc"), .init(name: "MODE", value: "ro")], workingDirectory: "/work"))
        // `type: "stdio"` may be spelled out; args and env may be absent.
        let minimal = try MCPServerConfig(acp: ["type": "stdio", "name": "m", "command": "m"], path: "p")
        XCTAssertEqual(minimal, MCPServerConfig(name: "m", command: "m"))
    }

    func testOtherTransportsAreNamedAsUnsupported() {
        XCTAssertThrowsError(try MCPServerConfig(acp: ["type": "http", "name": "web", "url": "https://x", "headers": []], path: "p")) { error in
            XCTAssertEqual(error as? MCPError, .unsupportedTransport(server: "web", transport: "http"))
        }
    }

    func testAMistypedFieldIsNamed() {
        let cases: [(JSONValue, String)] = [
            (["command": "x"], "mcpServers[1].name must be a non-empty string"),
            (["name": "n"], "mcpServers[1].command must be a non-empty string"),
            (["name": "n", "command": "x", "args": "--flag"], "mcpServers[1].args must be an array, got a string"),
            (["name": "n", "command": "x", "args": [1]], "mcpServers[1].args[0] must be a string"),
            (["name": "n", "command": "x", "env": [["name": "A=B", "value": "v"]]], #"mcpServers[1].env[0] must be {"name": string without '=', "value": string}"#),
        ]
        for (entry, message) in cases {
            XCTAssertThrowsError(try MCPServerConfig(acp: entry, path: "mcpServers[1]")) { error in
                XCTAssertEqual(error as? MCPError, .invalidConfig(message))
            }
        }
    }
}
