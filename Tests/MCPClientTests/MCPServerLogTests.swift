import AssistdSupport
import XCTest

@testable import MCPClient

final class MCPServerLogTests: XCTestCase {
    func testTheServersStderrAndLogMessagesGoToAssistdsLogUnderItsName() async throws {
        let log = CapturedLog()
        let session = MCPServerSession(config: MCPTestServer.config(name: "chatty"), options: MCPTestServer.options(), logger: log.logger)
        try await session.start()
        _ = try await session.call(name: "garbage", arguments: [:])
        await session.stop()
        let text = log.text()
        XCTAssertTrue(text.contains("mcp server 'chatty': stderr: mcp test server listening on stdin"), text)
        XCTAssertTrue(text.contains("mcp server 'chatty': log: test: ready"), text)
        XCTAssertTrue(text.contains("mcp server 'chatty': started with 15 tool(s)"), text)
        XCTAssertTrue(text.contains("mcp server 'chatty': ignored input that is not JSON"), text)
        XCTAssertTrue(text.contains("this line is not JSON"), text)
        XCTAssertTrue(text.contains("mcp server 'chatty': ignored an invalid message: Invalid request: 'jsonrpc' must be \"2.0\""), text)
        XCTAssertTrue(text.contains("mcp server 'chatty': stopped: it "), text)
    }

    func testSecretLookingValuesOfTheConfigurationAreScrubbedFromTheLog() async throws {
        let log = CapturedLog()
        let token = "ghp-\(UUID().uuidString)"
        // A server may repeat its environment in what it says; assistd's log and errors never carry the value.
        let config = MCPTestServer.config(name: "secretive", environment: [.init(name: "GITHUB_TOKEN", value: token)])
        let session = MCPServerSession(config: config, options: MCPTestServer.options(), logger: log.logger)
        try await session.start()
        let answer = try await session.call(name: "env", arguments: ["name": "GITHUB_TOKEN"])
        XCTAssertEqual(answer.text, token)  // the server has it
        log.logger.info("the server said \(answer.text)")
        XCTAssertEqual(MCPError.serverError(server: "secretive", method: "tools/call", code: 1, message: token).description,
            "MCP server 'secretive' answered 'tools/call' with error 1: [redacted]")
        await session.stop()
        let text = log.text()
        XCTAssertFalse(text.contains(token), text)
        XCTAssertTrue(text.contains("the server said [redacted]"), text)
    }
}
