import AgentClientProtocol
import JSONCore
import JSONRPC
import MCPClient
import TestSupport
import XCTest

/// `MCPServers.launcher`: a session's `mcpServers` as its external tools.
final class MCPServersTests: XCTestCase {
    let launch = MCPServers.launcher(options: MCPClientOptions(toolCallTimeout: .seconds(20)), logger: .disabled)
    let testServer: JSONValue = [
        "name": "echo", "command": "python3",
        "args": [.string(RepositoryPaths.fakes.appendingPathComponent("mcp_test_server.py").path)], "env": [],
    ]

    func testAStdioServersToolsBecomeExternalToolsTitledByServerAndTool() async throws {
        let tools = try await launch([testServer], NSTemporaryDirectory())
        let echo = try XCTUnwrap(tools.tools.first { $0.name == "echo__echo" })
        XCTAssertEqual(echo.title, "echo: Echo")
        XCTAssertEqual(echo.description, "Answers its text.")
        XCTAssertEqual(echo.parameters["required"], ["text"])
        let answer = try await echo.call(#"{"text": "héllo"}"#)
        XCTAssertEqual(answer.output, "héllo")
        XCTAssertFalse(answer.isError)
        XCTAssertEqual(answer.content, [["type": "text", "text": "héllo"]])
        let failed = try await XCTUnwrap(tools.tools.first { $0.name == "echo__fail" }).call("{}")
        XCTAssertTrue(failed.isError)
        await tools.stop()
        let afterStop = try await echo.call(#"{"text": "anyone?"}"#)
        XCTAssertEqual(afterStop.output, "MCP server 'echo' is not running")
        XCTAssertTrue(afterStop.isError)
    }

    func testAMalformedEntryFailsTheRequestNamingIt() async {
        do {
            _ = try await launch([testServer, ["name": "broken", "command": "x", "args": [1]]], "/")
            XCTFail("launched a malformed entry")
        } catch {
            XCTAssertEqual(
                error as? JSONRPCError,
                .invalidParams("invalid MCP server configuration: mcpServers[1].args[0] must be a string", path: "mcpServers[1]"))
        }
    }

    func testHTTPAndSSEEntriesAreLeftOut() async throws {
        let tools = try await launch(
            [["type": "http", "name": "web", "url": "https://example.com/mcp", "headers": []],
             ["type": "sse", "name": "events", "url": "https://example.com/sse", "headers": []]], "/")
        XCTAssertEqual(tools.tools.count, 0)
        await tools.stop()
    }
}
