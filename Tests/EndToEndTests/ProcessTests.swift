import Foundation
import JSONCore
import XCTest

/// The binary's process behaviour: flags, exit codes, stdout hygiene, trace, logs, large messages.
final class ProcessTests: XCTestCase {
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try AssistdBinary.path())
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    func initialize(_ process: AssistdProcess, id: JSONValue = 1) throws -> JSONValue {
        process.send(["jsonrpc": "2.0", "id": id, "method": "initialize", "params": ["clientInfo": ["name": "e2e"]]])
        return try XCTUnwrap(process.next(), "no answer to initialize; stderr: \(process.stderrText)")
    }

    func testVersionAndHelp() throws {
        let version = try run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("assistd "), version.stdout)
        let help = try run(["--help"])
        XCTAssertEqual(help.status, 0)
        for flag in ["--stdio", "--framing", "--max-message-bytes", "--log-file", "--log-level", "--trace", "--version", "--help"] {
            XCTAssertTrue(help.stdout.contains(flag), "help mentions \(flag)")
        }
    }

    func testServerInfoVersionIsTheBinaryVersion() throws {
        let version = try run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let process = try AssistdProcess(framing: .ndjson)
        let reply = try initialize(process)
        XCTAssertEqual("assistd " + (reply["result"]?["serverInfo"]?["version"]?.stringValue ?? "?"), version)
    }

    func testUnknownFlagsAndBadValuesExitTwo() throws {
        for arguments in [["--bogus"], ["--framing", "xml"], ["--max-message-bytes", "lots"], ["--log-level"], ["stray"], ["--version=1"]] {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.hasPrefix("assistd: "), result.stderr)
            XCTAssertEqual(result.stdout, "", "nothing on stdout for \(arguments)")
        }
    }

    func testEndOfInputExitsOneWithoutShutdownAndZeroAfter() throws {
        for framing in ClientFraming.allCases {
            let withoutShutdown = try AssistdProcess(framing: framing)
            _ = try initialize(withoutShutdown)
            withoutShutdown.closeStdin()
            XCTAssertEqual(withoutShutdown.waitForExit(), 1)

            let afterShutdown = try AssistdProcess(framing: framing)
            _ = try initialize(afterShutdown)
            afterShutdown.send(["jsonrpc": "2.0", "id": 2, "method": "shutdown"])
            XCTAssertEqual(afterShutdown.next()?["result"], .null)
            afterShutdown.closeStdin()
            XCTAssertEqual(afterShutdown.waitForExit(), 0)

            let silent = try AssistdProcess(framing: framing)
            silent.closeStdin()
            XCTAssertEqual(silent.waitForExit(), 1, "EOF before any input")
            XCTAssertTrue(silent.outputProblems.isEmpty)
        }
    }

    func testAdvertisedMethodsAreTheDocumentsImplementedOnes() throws {
        let document = try JSONValue.parse(Array(try Data(contentsOf: AssistdBinary.repositoryRoot.appendingPathComponent("protocol/assistd.openrpc.json"))))
        let implemented = Set(try XCTUnwrap(document["methods"]?.arrayValue).filter {
            $0["x-assistd-status"] == "implemented" && $0["x-assistd-direction"] == "client-to-server"
        }.compactMap { $0["name"]?.stringValue })
        let process = try AssistdProcess(framing: .lsp)
        let advertised = try initialize(process)["result"]?["capabilities"]?["methods"]?.arrayValue?.compactMap(\.stringValue)
        XCTAssertEqual(Set(try XCTUnwrap(advertised)), implemented)
        process.send(["jsonrpc": "2.0", "id": 2, "method": "rpc.discover"])
        XCTAssertEqual(process.next()?["result"], document, "rpc.discover returns protocol/assistd.openrpc.json")
    }

    func testLargeMultibyteMessagesInBothFramings() throws {
        let text = String(repeating: "😀你好 ascii ", count: 40_000)  // ~680 KB of UTF-8
        for framing in ClientFraming.allCases {
            let process = try AssistdProcess(framing: framing)
            process.send(["jsonrpc": "2.0", "id": "big", "method": "initialize", "params": ["clientInfo": ["name": .string(text)], "capabilities": ["note": .string(text)]]])
            let reply = try XCTUnwrap(process.next(), process.stderrText)
            XCTAssertEqual(reply["id"], "big")
            XCTAssertNotNil(reply["result"]?["serverInfo"])
            process.send(["jsonrpc": "2.0", "id": 2, "method": "rpc.discover"])
            XCTAssertEqual(process.next()?["result"]?["openrpc"], "1.3.2")
            process.closeStdin()
            XCTAssertEqual(process.waitForExit(), 1)
            XCTAssertEqual(process.outputProblems, [])
        }
    }

    func testByteAtATimeInput() throws {
        let process = try AssistdProcess(framing: .lsp)
        let body = Array(#"{"jsonrpc":"2.0","id":"één","method":"initialize","params":{"clientInfo":{"name":"✓"}}}"#.utf8)
        for byte in Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body {
            process.write(raw: [byte])
        }
        XCTAssertEqual(process.next()?["id"], "één")
    }

    func testTraceFileRecordsMessagesInAndOut() throws {
        let path = NSTemporaryDirectory() + "assistd-trace-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = try AssistdProcess(framing: .ndjson, arguments: ["--trace", path])
        _ = try initialize(process)
        process.write(raw: Array("{oops\n".utf8))
        XCTAssertEqual(process.next()?["error"]?["code"], -32700)
        process.send(["jsonrpc": "2.0", "method": "exit"])
        XCTAssertEqual(process.waitForExit(), 1)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        XCTAssertEqual(lines.map { $0["dir"] }, ["in", "out", "in", "out", "in"])
        XCTAssertEqual(lines[0]["message"]?["method"], "initialize")
        XCTAssertEqual(lines[1]["message"]?["result"]?["serverInfo"]?["name"], "assistd")
        XCTAssertEqual(lines[2]["raw"], "{oops")
        XCTAssertEqual(lines[4]["message"]?["method"], "exit")
        for line in lines { XCTAssertNotNil(line["ts"]?.intValue) }
    }

    func testTraceRedactsSecrets() throws {
        let path = NSTemporaryDirectory() + "assistd-trace-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = try AssistdProcess(framing: .ndjson, arguments: ["--trace", path])
        _ = try initialize(process)
        process.send(["jsonrpc": "2.0", "id": 2, "method": "runs/create", "params": [
            "thread_id": "t", "assistant_id": "a",
            "tools": [["type": "plugin", "auth": ["type": "user_http", "user_token": "very-secret-token"]]],
        ]])
        XCTAssertEqual(process.next()?["error"]?["code"], -32010)  // no such assistant
        process.closeStdin()
        _ = process.waitForExit()
        let trace = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(trace.contains("user_http"))
        XCTAssertFalse(trace.contains("very-secret-token"))
    }

    func testLogsGoToTheLogFileAndStdoutStaysClean() throws {
        let path = NSTemporaryDirectory() + "assistd-log-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = try AssistdProcess(framing: .lsp, arguments: ["--log-file", path, "--log-level", "debug"])
        _ = try initialize(process)
        process.write(raw: Array("Content-Length: 4\r\nbad header\r\n\r\n{}{}".utf8))
        XCTAssertEqual(process.next()?["error"]?["code"], -32700)
        process.closeStdin()
        XCTAssertEqual(process.waitForExit(), 1)
        let log = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(log.contains("initialized by e2e"), log)
        XCTAssertTrue(log.contains("framing error"), log)
        XCTAssertEqual(process.stderrText, "")
        XCTAssertEqual(process.outputProblems, [])
    }

    func testExplicitFramingFlag() throws {
        let process = try AssistdProcess(framing: .ndjson, arguments: ["--framing", "ndjson", "--stdio"])
        process.write(raw: Array("\n\n".utf8))
        XCTAssertEqual(try initialize(process)["id"], 1)
        let lsp = try AssistdProcess(framing: .lsp, arguments: ["--framing=lsp"])
        XCTAssertEqual(try initialize(lsp, id: "x")["id"], "x")
    }
}
