import AssistdSupport
import Foundation
import JSONCore
import XCTest

@testable import MCPClient

#if canImport(Glibc)
import Glibc
#endif

final class MCPServerSessionTests: XCTestCase {
    func testHandshakeNegotiatesTheCurrentVersionAndReadsEveryToolPage() async throws {
        let session = try await MCPTestServer.started(["--page-size", "5"])
        XCTAssertEqual(session.tools.map(\.name), MCPTestServer.toolNames)
        XCTAssertEqual(session.serverInfo?.protocolVersion, "2025-11-25")
        XCTAssertEqual(session.serverInfo?.name, "mcp-test-server")
        XCTAssertEqual(session.serverInfo?.instructions, "Test tools only.")
        let echo = try XCTUnwrap(session.tools.first { $0.name == "echo" })
        XCTAssertEqual(echo.title, "Echo")
        XCTAssertEqual(echo.inputSchema["required"], ["text"])

        // What the server received: the version asked for, assistd's name, and the initialized notification.
        let handshake = try await session.call(name: "handshake", arguments: [:])
        let received = try JSONValue.parse(handshake.text)
        XCTAssertEqual(received["initialize"]?["protocolVersion"], "2025-11-25")
        XCTAssertEqual(received["initialize"]?["clientInfo"]?["name"], "assistd")
        XCTAssertEqual(received["initialized"], true)
        await session.stop()
    }

    func testOnePageAtATimeStillGivesEveryTool() async throws {
        let session = try await MCPTestServer.started(["--page-size", "1"])
        XCTAssertEqual(session.tools.map(\.name), MCPTestServer.toolNames)
        await session.stop()
    }

    func testAnOlderVersionTheServerAnswersIsAccepted() async throws {
        let session = try await MCPTestServer.started(["--protocol-version", "2025-06-18"])
        XCTAssertEqual(session.serverInfo?.protocolVersion, "2025-06-18")
        let sum = try await session.call(name: "add", arguments: ["a": 1, "b": 2])
        XCTAssertEqual(sum.text, "3")
        await session.stop()
    }

    func testAVersionThisClientDoesNotSpeakFailsTheStartAndEndsTheServer() async throws {
        let session = MCPServerSession(config: MCPTestServer.config(["--protocol-version", "1999-01-01"]), options: MCPTestServer.options())
        do {
            try await session.start()
            XCTFail("started with an unknown protocol version")
        } catch let error as MCPError {
            guard case .unsupportedProtocolVersion(_, "1999-01-01", _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.contains("1999-01-01"), error.description)
        }
        let pid = try XCTUnwrap(session.processID)
        XCTAssertFalse(MCPTestServer.processExists(pid), "the server was not reaped")
    }

    func testToolResultsAndToolErrors() async throws {
        let session = try await MCPTestServer.started()
        let sum = try await session.call(name: "add", arguments: ["a": 2, "b": 40])
        XCTAssertEqual(sum, MCPToolResult(text: "42", isError: false, content: [["type": "text", "text": "42"]]))

        let echo = try await session.call(name: "echo", arguments: ["text": "héllo\nworld"])
        XCTAssertEqual(echo.text, "héllo\nworld")

        let failure = try await session.call(name: "fail", arguments: [:])
        XCTAssertTrue(failure.isError)
        XCTAssertEqual(failure.text, "the tool failed on purpose")

        let image = try await session.call(name: "image", arguments: [:])
        XCTAssertFalse(image.isError)
        XCTAssertEqual(image.text, "a red dot\n[image: image/png, about 9 bytes]")
        XCTAssertEqual(image.content.count, 2)

        do {
            _ = try await session.call(name: "no_such_tool", arguments: [:])
            XCTFail("an unknown tool answered")
        } catch let error as MCPError {
            XCTAssertEqual(error, .serverError(server: "test", method: "tools/call", code: -32602, message: "Unknown tool: no_such_tool"))
        }
        await session.stop()
    }

    func testALongResultIsCutForTheModel() async throws {
        var options = MCPTestServer.options()
        options.maxResultTextBytes = 1000
        let session = try await MCPTestServer.started(clientOptions: options)
        let long = String(repeating: "x", count: 5000)
        let echo = try await session.call(name: "echo", arguments: ["text": .string(long)])
        XCTAssertEqual(echo.text, String(repeating: "x", count: 1000) + "\n[… 4000 more bytes not shown]")
        await session.stop()
    }

    func testAToolThatNeverAnswersTimesOutAndTheSessionGoesOn() async throws {
        // Only this call has a short limit: the later ones must not fail on a loaded machine.
        let session = try await MCPTestServer.started()
        let started = ContinuousClock.now
        do {
            _ = try await session.call(name: "sleep", arguments: ["seconds": 60], timeout: .seconds(1))
            XCTFail("the sleeping tool answered")
        } catch let error as MCPError {
            XCTAssertEqual(error, .timedOut(server: "test", method: "tools/call", seconds: 1))
            XCTAssertEqual(error.description, "MCP server 'test' did not answer 'tools/call' within 1 s")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
        let sum = try await session.call(name: "add", arguments: ["a": 1, "b": 1])
        XCTAssertEqual(sum.text, "2")
        // The server was told, in MCP's words, that the call was abandoned.
        let cancellations = try await session.call(name: "cancellations", arguments: [:])
        let cancelled = try XCTUnwrap(try JSONValue.parse(cancellations.text)["cancelled"]?.arrayValue)
        XCTAssertEqual(cancelled.count, 1)
        XCTAssertEqual(cancelled.first?["reason"], "timed out")
        XCTAssertNotNil(cancelled.first?["requestId"]?.intValue)
        await session.stop()
    }

    func testAServerThatNeverAnswersInitializeFailsTheStartInTime() async throws {
        let session = MCPServerSession(
            config: MCPTestServer.config(["--never-answer", "initialize"]), options: MCPTestServer.options(initializeTimeout: .seconds(1)))
        do {
            try await session.start()
            XCTFail("started without an initialize answer")
        } catch let error as MCPError {
            XCTAssertEqual(error, .timedOut(server: "test", method: "initialize", seconds: 1))
        }
        let pid = try XCTUnwrap(session.processID)
        XCTAssertFalse(MCPTestServer.processExists(pid))
    }

    func testAServerThatExitsMidCallFailsThatCallClearly() async throws {
        let session = try await MCPTestServer.started()
        do {
            _ = try await session.call(name: "exit", arguments: ["code": 3])
            XCTFail("the exiting tool answered")
        } catch let error as MCPError {
            guard case .serverExited(_, let exit, let stderrTail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(exit, "exited with status 3")
            XCTAssertEqual(stderrTail.last, "exiting mid-call on purpose")
            XCTAssertTrue(error.description.contains("exited with status 3"), error.description)
        }
        XCTAssertFalse(session.isRunning)
        // Later calls fail at once with the same explanation, and stopping still works.
        do {
            _ = try await session.call(name: "add", arguments: ["a": 1, "b": 1])
            XCTFail("a dead server answered")
        } catch let error as MCPError {
            guard case .serverExited = error else { return XCTFail("\(error)") }
        }
        await session.stop()
        XCTAssertFalse(MCPTestServer.processExists(try XCTUnwrap(session.processID)))
    }

    func testAServerThatExitsLeavingAChildThatHoldsItsStdoutStillFailsTheCallAtOnce() async throws {
        let session = try await MCPTestServer.started()
        let started = ContinuousClock.now
        do {
            _ = try await session.call(name: "exit_leaving_child", arguments: [:])
            XCTFail("the exiting tool answered")
        } catch let error as MCPError {
            guard case .serverExited(_, let exit, let stderrTail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(exit, "exited with status 5")
            let childLine = try XCTUnwrap(stderrTail.last)
            XCTAssertTrue(childLine.hasPrefix("left child "), childLine)
            let childPID = try XCTUnwrap(childLine.split(separator: " ").compactMap { Int32($0) }.first)
            let outlived = await MCPTestServer.stillRuns(childPID)
            XCTAssertFalse(outlived, "the server's child outlived it")
        }
        // Not the 20 s tool-call timeout: the child was ended with the server.
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
        await session.stop()
    }

    func testAServerThatExitsAtStartSaysWhy() async throws {
        let session = MCPServerSession(config: MCPTestServer.config(["--exit-at-start", "4"]), options: MCPTestServer.options())
        do {
            try await session.start()
            XCTFail("started a server that exited")
        } catch let error as MCPError {
            guard case .serverExited(_, let exit, let stderrTail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(exit, "exited with status 4")
            XCTAssertEqual(stderrTail, ["cannot start: configured to fail"])
        }
    }

    func testAMalformedLineIsSkippedAndTheSessionGoesOn() async throws {
        let session = try await MCPTestServer.started()
        let answer = try await session.call(name: "garbage", arguments: [:])
        XCTAssertEqual(answer.text, "answered after garbage")
        let sum = try await session.call(name: "add", arguments: ["a": 20, "b": 3])
        XCTAssertEqual(sum.text, "23")
        XCTAssertTrue(session.isRunning)
        await session.stop()
    }

    func testCancellingTheCallingTaskTellsTheServer() async throws {
        let session = try await MCPTestServer.started()
        let call = Task { try await session.call(name: "sleep", arguments: ["seconds": 60]) }
        try await Task.sleep(for: .milliseconds(300))
        call.cancel()
        do {
            _ = try await call.value
            XCTFail("a cancelled call answered")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        let cancellations = try await session.call(name: "cancellations", arguments: [:])
        let cancelled = try XCTUnwrap(try JSONValue.parse(cancellations.text)["cancelled"]?.arrayValue)
        XCTAssertEqual(cancelled.map { $0["reason"] }, ["cancelled"])
        await session.stop()
    }

    func testStoppingWhileACallWaitsFailsThatCallAtOnce() async throws {
        let session = try await MCPTestServer.started()
        let call = Task { try await session.call(name: "sleep", arguments: ["seconds": 60]) }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        await session.stop()
        do {
            _ = try await call.value
            XCTFail("a call answered after stop")
        } catch let error as MCPError {
            XCTAssertEqual(error, .notRunning(server: "test"))
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
    }

    func testAChangedToolListIsNotedAndReadAgain() async throws {
        let session = try await MCPTestServer.started()
        XCTAssertFalse(session.toolListChanged)
        _ = try await session.call(name: "grow", arguments: [:])
        XCTAssertTrue(session.toolListChanged)
        let tools = try await session.refreshTools()
        XCTAssertEqual(tools.map(\.name), MCPTestServer.toolNames + ["extra"])
        XCTAssertEqual(session.tools, tools)
        XCTAssertFalse(session.toolListChanged)
        await session.stop()
    }

    func testTheServersPingIsAnswered() async throws {
        let session = try await MCPTestServer.started()
        let answer = try await session.call(name: "ping_client", arguments: [:])
        XCTAssertEqual(answer.text, "pong")
        await session.stop()
    }

    func testStopEndsTheServerAndWhatItStartedAndReapsIt() async throws {
        let session = try await MCPTestServer.started()
        let pid = try XCTUnwrap(session.processID)
        let child = try await session.call(name: "spawn_child", arguments: [:])
        let childPID = try XCTUnwrap(Int32(child.text))
        XCTAssertTrue(MCPTestServer.processRuns(childPID))
        await session.stop()
        XCTAssertFalse(MCPTestServer.processExists(pid), "the server is a zombie or still runs")
        let orphaned = await MCPTestServer.stillRuns(childPID)
        XCTAssertFalse(orphaned, "the server's own child was orphaned")
        XCTAssertFalse(session.isRunning)
        do {
            _ = try await session.call(name: "add", arguments: ["a": 1, "b": 1])
            XCTFail("a stopped server answered")
        } catch let error as MCPError {
            XCTAssertEqual(error, .notRunning(server: "test"))
        }
        await session.stop()  // twice is fine
    }

    func testStartingAndStoppingServersLeavesNoFileDescriptorsOpen() async throws {
        func openDescriptors() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }
        // One round first: whatever the runtime opens once (pipes for its own use) is not counted.
        let warmUp = try await MCPTestServer.started()
        await warmUp.stop()
        let before = try openDescriptors()
        for _ in 0..<3 {
            let session = try await MCPTestServer.started()
            _ = try await session.call(name: "add", arguments: ["a": 1, "b": 2])
            await session.stop()
        }
        let crashed = try await MCPTestServer.started()
        _ = try? await crashed.call(name: "exit", arguments: ["code": 1])
        await crashed.stop()
        // The stderr reader closes its end as it finishes, a moment after the server is gone.
        let deadline = ContinuousClock.now + .seconds(5)
        while try openDescriptors() > before, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(try openDescriptors(), before)
    }

    func testAServerThatIgnoresSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let session = try await MCPTestServer.started(
            ["--ignore-sigterm"], clientOptions: MCPTestServer.options(stopGracePeriod: .milliseconds(500)))
        let pid = try XCTUnwrap(session.processID)
        let started = ContinuousClock.now
        await session.stop()
        let took = ContinuousClock.now - started
        XCTAssertGreaterThanOrEqual(took, .milliseconds(500))
        XCTAssertLessThan(took, .seconds(10))
        XCTAssertFalse(MCPTestServer.processExists(pid))
    }

    func testTheConfiguredEnvironmentAndDirectoryReachTheServerButAssistdsSecretsDoNot() async throws {
        let secret = "sk-mcp-test-\(UUID().uuidString)"
        KnownSecrets.register(secret)
        setenv("MCP_CLIENT_TEST_API_KEY", secret, 1)
        defer { unsetenv("MCP_CLIENT_TEST_API_KEY") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-cwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let config = MCPTestServer.config(environment: [.init(name: "MCP_TEST_SETTING", value: "from-config")], workingDirectory: directory.path)
        let session = MCPServerSession(config: config, options: MCPTestServer.options())
        try await session.start()
        let setting = try await session.call(name: "env", arguments: ["name": "MCP_TEST_SETTING"])
        XCTAssertEqual(setting.text, "from-config")
        let inherited = try await session.call(name: "env", arguments: ["name": "MCP_CLIENT_TEST_API_KEY"])
        XCTAssertEqual(inherited.text, "<unset>")
        let cwd = try await session.call(name: "cwd", arguments: [:])
        XCTAssertEqual(URL(fileURLWithPath: cwd.text).resolvingSymlinksInPath().path, directory.resolvingSymlinksInPath().path)
        await session.stop()
    }

    func testACommandThatDoesNotExistIsNamed() async throws {
        let session = MCPServerSession(config: MCPServerConfig(name: "ghost", command: "no-such-mcp-server-here"))
        do {
            try await session.start()
            XCTFail("started a command that does not exist")
        } catch let error as MCPError {
            XCTAssertEqual(error, .commandNotFound(server: "ghost", command: "no-such-mcp-server-here"))
        }
    }
}
