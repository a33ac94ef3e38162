import Foundation
import JSONCore
import XCTest

/// Faults on the client side, through the binary: end of input mid-request and mid-stream, a
/// client that stops reading, one very large message, many requests in one write.
final class FaultTests: XCTestCase {
    /// 20 processes, each closed mid-stream or mid-request: each exits within the second.
    func testEndOfInputMidStreamAndMidRequestExitsWithinOneSecond() throws {
        let slow: JSONValue = ["turns": [["text": .string(String(repeating: "slow ", count: 200)), "chunks": 200, "delay_ms": 20]]]
        var sessions: [(AssistdSession, JSONValue)] = []
        for index in 0..<20 {
            let session = try AssistdSession(script: slow)
            if index % 2 == 0 {
                let assistant = try session.assistant()
                let id = session.send("runs/createThreadAndRun", [
                    "assistant_id": .string(assistant), "stream": true,
                    "thread": ["messages": [["role": "user", "content": "go"]]],
                ])
                try session.waitForEvents(of: id, count: 3)  // mid-stream
                sessions.append((session, id))
            } else {
                let thread = try session.thread()
                let run = try session.call("runs/create", ["thread_id": .string(thread), "assistant_id": .string(try session.assistant())])
                // Mid-request: runs/wait is still waiting for the run when input ends.
                let id = session.send("runs/wait", ["thread_id": .string(thread), "run_id": run["id"]!, "timeout_ms": 30000])
                sessions.append((session, id))
            }
        }
        var slowest: TimeInterval = 0
        for (session, _) in sessions {
            let closed = Date()
            session.process.closeStdin()
            let code = session.process.waitForExit(within: 5)
            let took = Date().timeIntervalSince(closed)
            slowest = max(slowest, took)
            XCTAssertEqual(code, 1, "exit code without shutdown")
            XCTAssertLessThan(took, 1.0, "exit took \(took) s after EOF")
        }
        print("EOF: the slowest of 20 processes exited \(Int(slowest * 1000)) ms after EOF")
    }

    /// EOF from a client that also stopped reading mid-stream (output blocked): still gone within the second.
    func testEndOfInputFromAClientThatStoppedReadingExitsWithinOneSecond() throws {
        let script: JSONValue = ["turns": [["text": .string(String(repeating: "0123456789", count: 20_000)), "chunks": 20_000]]]
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-eof-\(UUID().uuidString).json")
        try Data(script.serialized()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for _ in 0..<3 {
            let assistd = try PipedAssistd(arguments: ["--model", "scripted:\(path)", "--log-level", "error"])
            assistd.request(1, "initialize", [:])
            XCTAssertNotNil(assistd.response(to: 1)?["result"])
            assistd.request(2, "assistants/create", ["model": "scripted"])
            let assistant = try XCTUnwrap(assistd.response(to: 2)?["result"]?["id"])
            assistd.request(3, "runs/createThreadAndRun", [
                "assistant_id": assistant, "stream": true, "thread": ["messages": [["role": "user", "content": "go"]]],
            ])
            usleep(500_000)  // the output pipe fills; nothing reads it
            let closed = Date()
            assistd.closeStdin()
            XCTAssertNotNil(assistd.waitForExit(within: 5))
            XCTAssertLessThan(Date().timeIntervalSince(closed), 1.0)
        }
    }

    /// One 48 MiB message: read, parsed and answered with a peak RSS under 2.5× its size above
    /// the process's baseline.
    func testA48MiBMessagePeaksUnderTwoAndAHalfTimesItsSize() throws {
        let session = try AssistdSession(arguments: [], framing: .lsp)
        let pid = session.process.pid
        let baseline = try XCTUnwrap(ProcessMemory.peak(of: pid))
        let size = 48 << 20
        let id = session.send("messages/create", [
            "thread_id": "thread_missing", "role": "user", "content": .string(String(repeating: "x", count: size)),
        ])
        let response = try session.response(to: id, within: 120)
        XCTAssertEqual(response["error"]?["code"], -32010)
        let peak = try XCTUnwrap(ProcessMemory.peak(of: pid))
        let growth = Double(peak - baseline) / Double(size)
        print("48 MiB message: baseline \(baseline >> 20) MiB, peak \(peak >> 20) MiB, growth \(String(format: "%.2f", growth))× its size")
        XCTAssertLessThanOrEqual(growth, 2.5)
        XCTAssertNotNil(try session.call("threads/create", [:])["id"])
    }

    /// 10,000 requests written at once: every one is answered.
    func testTenThousandRequestsInOneWriteAreAllAnswered() throws {
        let session = try AssistdSession(arguments: [])
        var bytes: [UInt8] = []
        for id in 0..<10_000 {
            let method = id % 2 == 0 ? "threads/create" : "threads/retrieve"
            let params: JSONValue = id % 2 == 0 ? [:] : ["thread_id": "thread_missing"]
            bytes += (["jsonrpc": "2.0", "id": .int(Int64(1_000_000 + id)), "method": .string(method), "params": params] as JSONValue).serialized()
            bytes.append(UInt8(ascii: "\n"))
        }
        session.process.write(raw: bytes)
        for id in 0..<10_000 {
            let response = try session.response(to: .int(Int64(1_000_000 + id)), within: 120)
            if id % 2 == 0 {
                XCTAssertNotNil(response["result"]?["id"], "\(response.serializedString())")
            } else {
                XCTAssertEqual(response["error"]?["code"], -32010)
            }
        }
    }

    /// A client that stops reading while a run streams 100,000 deltas: memory stays bounded,
    /// its stream is ended after --stalled-client-timeout with a log line, the run goes on, and
    /// the server answers again once the client reads.
    func testAClientThatStopsReadingGetsItsStreamEndedWithBoundedMemory() throws {
        let deltas = 100_000
        let script: JSONValue = ["turns": [["text": .string(String(repeating: "0123456789", count: deltas)), "chunks": .int(Int64(deltas))]]]
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-stall-\(UUID().uuidString).json")
        try Data(script.serialized()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let assistd = try PipedAssistd(arguments: ["--model", "scripted:\(path)", "--stalled-client-timeout", "2", "--log-level", "warning"])
        assistd.request(1, "initialize", [:])
        XCTAssertNotNil(assistd.response(to: 1)?["result"])
        assistd.request(2, "assistants/create", ["model": "scripted"])
        let assistant = try XCTUnwrap(assistd.response(to: 2)?["result"]?["id"])
        let baseline = try XCTUnwrap(ProcessMemory.resident(of: assistd.pid))
        assistd.request(3, "runs/createThreadAndRun", [
            "assistant_id": assistant, "stream": true, "thread": ["messages": [["role": "user", "content": "go"]]],
        ])
        // Not reading for twice the limit.
        var highest = baseline
        for _ in 0..<40 {
            usleep(100_000)
            highest = max(highest, ProcessMemory.resident(of: assistd.pid) ?? 0)
        }
        print("stalled client: RSS \(baseline >> 20) MiB before, at most \(highest >> 20) MiB while not reading")
        XCTAssertLessThan(highest - baseline, 64 << 20, "RSS grew by \((highest - baseline) >> 20) MiB")
        // Reading again: the events already queued, in order, then the request's answer.
        var expectedSeq: Int64 = 0
        var threadID: JSONValue?
        let answer = try XCTUnwrap(assistd.response(to: 3) { message in
            guard message["method"] == "runs/event", let params = message["params"] else { return }
            XCTAssertEqual(params["seq"]?.intValue, expectedSeq)
            expectedSeq += 1
            if params["event"] == "thread.created" { threadID = params["data"]?["id"] }
        })
        XCTAssertEqual(answer["error"]?["code"], -32800, answer.serializedString())
        XCTAssertEqual(answer["error"]?["data"]?["reason"], "client_stalled")
        XCTAssertLessThan(expectedSeq, Int64(deltas), "the stream should have ended early")
        // Still serving; the run went on without its stream.
        assistd.request(4, "threads/retrieve", ["thread_id": try XCTUnwrap(threadID)])
        XCTAssertNotNil(assistd.response(to: 4)?["result"])
        assistd.closeStdin()
        XCTAssertNotNil(assistd.waitForExit(within: 5))
        let log = String(decoding: assistd.stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(log.contains("read no output"), log)
    }
}
