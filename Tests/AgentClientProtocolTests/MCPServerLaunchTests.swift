import AgentClientProtocol
import AssistdSupport
import JSONCore
import JSONRPC
import MCPClient
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class MCPServerLaunchTests: XCTestCase {
    let launch = SessionToolSet.mcpLauncher(options: MCPClientOptions(toolCallTimeout: .seconds(20)), logger: .disabled)
    let server: JSONValue = [
        "name": "echo", "command": "python3",
        "args": [.string(RepositoryPaths.fakes.appendingPathComponent("mcp_test_server.py").path)], "env": [],
    ]

    func testASessionsServersBecomeItsExternalToolsAndStopWithIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("acp-mcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let tools = try await launch([server], directory.path)
        let echo = try XCTUnwrap(tools.tools.first { $0.name == "echo__echo" })
        XCTAssertEqual(echo.title, "echo: Echo")
        XCTAssertEqual(echo.description, "Answers its text.")
        XCTAssertEqual(echo.parameters["required"], ["text"])
        let answer = try await echo.call(["text": "héllo"])
        XCTAssertEqual(answer.output, "héllo")
        XCTAssertFalse(answer.isError)

        let fail = try XCTUnwrap(tools.tools.first { $0.name == "echo__fail" })
        let failed = try await fail.call([:])
        XCTAssertEqual(failed.output, "the tool failed on purpose")
        XCTAssertTrue(failed.isError)

        // The server runs in the session's cwd, and is gone once the session's tools are stopped.
        let cwd = try await XCTUnwrap(tools.tools.first { $0.name == "echo__cwd" }).call([:])
        XCTAssertEqual(URL(fileURLWithPath: cwd.output).resolvingSymlinksInPath().path, directory.resolvingSymlinksInPath().path)
        let child = try await XCTUnwrap(tools.tools.first { $0.name == "echo__spawn_child" }).call([:])
        let childPID = try XCTUnwrap(Int32(child.output))
        await tools.stop()
        XCTAssertTrue(kill(childPID, 0) != 0 || Self.isZombie(childPID), "the server's child outlived the session")
        let afterStop = try await echo.call(["text": "anyone?"])
        XCTAssertEqual(afterStop.output, "MCP server 'echo' is not running")
        XCTAssertTrue(afterStop.isError)
    }

    func testEntriesThatAreNotStdioServersAreInvalidParams() async {
        for (entry, message) in [
            (["type": "http", "name": "web", "url": "https://example.com/mcp", "headers": []] as JSONValue,
             "MCP server 'web': the http transport is not supported (only stdio)"),
            (["name": "nameless command"] as JSONValue, "invalid MCP server configuration: mcpServers[1].command must be a non-empty string"),
        ] {
            do {
                _ = try await launch([server, entry], "/")
                XCTFail("launched \(entry)")
            } catch {
                XCTAssertEqual(error as? JSONRPCError, .invalidParams(message, path: "mcpServers[1]"))
            }
        }
    }

    func testAServerThatCannotStartIsLeftOut() async throws {
        let ghost: JSONValue = ["name": "ghost", "command": "no-such-mcp-server-here", "args": [], "env": []]
        let tools = try await launch([ghost, server], "/")
        XCTAssertFalse(tools.tools.isEmpty)
        XCTAssertTrue(tools.tools.allSatisfy { $0.name.hasPrefix("echo__") })
        await tools.stop()
    }

    private static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }
}
