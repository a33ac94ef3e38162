import AssistantAPI
import JSONCore
import XCTest

@testable import MCPClient

final class MCPToolSetTests: XCTestCase {
    func testToolsOfEveryServerBecomeFunctionToolsAndCallsGoToTheirServer() async throws {
        let set = await MCPToolSet.start(
            [MCPTestServer.config(name: "alpha"), MCPTestServer.config(name: "beta two", ["--page-size", "3"])], options: MCPTestServer.options())
        XCTAssertEqual(set.failures, [])
        let expected = MCPTestServer.toolNames.map { "alpha__\($0)" } + MCPTestServer.toolNames.map { "beta_two__\($0)" }
        XCTAssertEqual(set.routes.map(\.functionName), expected)

        let tools = set.functionTools
        XCTAssertEqual(tools.count, expected.count)
        let add = try XCTUnwrap(tools.first?.function)
        XCTAssertEqual(add.name, "alpha__add")
        XCTAssertEqual(add.description, "Adds two numbers.")
        XCTAssertEqual(add.parameters?["required"], ["a", "b"])
        XCTAssertTrue(tools.allSatisfy { Validation.isValidFunctionName($0.function?.name ?? "") })

        let route = try XCTUnwrap(set.route(forFunction: "beta_two__echo"))
        XCTAssertEqual(route.server, "beta two")
        XCTAssertEqual(route.tool.name, "echo")
        XCTAssertNil(set.route(forFunction: "echo"))

        let sum = await set.call(function: "alpha__add", arguments: #"{"a": 2, "b": 5}"#)
        XCTAssertEqual(sum.text, "7")
        XCTAssertFalse(sum.isError)

        // Each server answers its own calls: stop alpha, and beta still works while alpha's calls fail.
        await set.sessions[0].stop()
        let echo = await set.call(function: "beta_two__echo", arguments: #"{"text": "still here"}"#)
        XCTAssertEqual(echo, MCPToolResult(text: "still here", isError: false, content: [["type": "text", "text": "still here"]]))
        let dead = await set.call(function: "alpha__add", arguments: #"{"a": 1, "b": 1}"#)
        XCTAssertEqual(dead, MCPToolResult(text: "MCP server 'alpha' is not running", isError: true))
        await set.stop()
    }

    func testCallsThatCannotBeMadeAreFailedResultsThatSayWhy() async throws {
        let set = await MCPToolSet.start([MCPTestServer.config(name: "alpha")], options: MCPTestServer.options())
        let unknown = await set.call(function: "alpha__nothing", arguments: "{}")
        XCTAssertEqual(unknown, MCPToolResult(text: "no MCP tool is named 'alpha__nothing'", isError: true))
        let notJSON = await set.call(function: "alpha__add", arguments: "{a: 1")
        XCTAssertTrue(notJSON.isError)
        XCTAssertTrue(notJSON.text.hasPrefix("the arguments of 'alpha__add' are not a JSON object: invalid JSON"), notJSON.text)
        let array = await set.call(function: "alpha__add", arguments: "[1, 2]")
        XCTAssertEqual(array, MCPToolResult(text: "the arguments of 'alpha__add' are not a JSON object: not an object", isError: true))
        // Empty arguments are an empty object.
        let cwd = await set.call(function: "alpha__cwd", arguments: "")
        XCTAssertFalse(cwd.isError)
        let failed = await set.call(function: "alpha__fail", arguments: "{}")
        XCTAssertEqual(failed.text, "the tool failed on purpose")
        XCTAssertTrue(failed.isError)
        await set.stop()
    }

    func testACallPastTheToolCallTimeoutIsAFailedResult() async throws {
        let set = await MCPToolSet.start([MCPTestServer.config(name: "alpha")], options: MCPTestServer.options(toolCallTimeout: .seconds(1)))
        let slept = await set.call(function: "alpha__sleep", arguments: #"{"seconds": 60}"#)
        XCTAssertEqual(slept, MCPToolResult(text: "MCP server 'alpha' did not answer 'tools/call' within 1 s", isError: true))
        await set.stop()
    }

    func testAServerThatCannotStartIsReportedAndTheOthersAreUsed() async throws {
        let set = await MCPToolSet.start(
            [MCPServerConfig(name: "ghost", command: "no-such-mcp-server-here"), MCPTestServer.config(name: "alpha")],
            options: MCPTestServer.options())
        XCTAssertEqual(set.failures, [.init(server: "ghost", error: .commandNotFound(server: "ghost", command: "no-such-mcp-server-here"))])
        XCTAssertEqual(set.sessions.map(\.config.name), ["alpha"])
        XCTAssertEqual(set.routes.count, MCPTestServer.toolNames.count)
        await set.stop()
    }

    func testTwoServersWithOneLabelKeepTheirToolsApart() async throws {
        let set = await MCPToolSet.start([MCPTestServer.config(name: "same"), MCPTestServer.config(name: "same")], options: MCPTestServer.options())
        let names = set.routes.map(\.functionName)
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertEqual(names[MCPTestServer.toolNames.count], "same__add_2")
        let first = await set.call(function: "same__cwd", arguments: "{}")
        let second = await set.call(function: "same__add_2", arguments: #"{"a": 1, "b": 2}"#)
        XCTAssertEqual(first.isError, false)
        XCTAssertEqual(second.text, "3")
        await set.stop()
    }

    func testARefreshedSetHasTheChangedToolsUnderTheSameNames() async throws {
        let set = await MCPToolSet.start([MCPTestServer.config(name: "alpha"), MCPTestServer.config(name: "beta")], options: MCPTestServer.options())
        XCTAssertFalse(set.toolListChanged)
        let grown = await set.call(function: "alpha__grow", arguments: "{}")
        XCTAssertEqual(grown.text, "grown")
        XCTAssertTrue(set.toolListChanged)
        XCTAssertNil(set.route(forFunction: "alpha__extra"))

        let refreshed = await set.refreshed()
        XCTAssertFalse(refreshed.toolListChanged)
        let alphaNames = (MCPTestServer.toolNames + ["extra"]).map { "alpha__\($0)" }
        XCTAssertEqual(refreshed.routes.map(\.functionName), alphaNames + MCPTestServer.toolNames.map { "beta__\($0)" })
        let extra = await refreshed.call(function: "alpha__extra", arguments: "{}")
        XCTAssertEqual(extra.text, "extra answered")
        await refreshed.stop()
    }

    func testNoServersMakeAnEmptySet() async {
        let set = await MCPToolSet.start([])
        XCTAssertEqual(set.functionTools, [])
        XCTAssertEqual(set.routes, [])
        await set.stop()
    }
}
