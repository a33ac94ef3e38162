import Foundation
import JSONCore
import XCTest

/// The short version of `LoadBenchmark`: 1,000 streamed runs at once over one connection
/// (scripted model, zero latency). All complete, no stream has a `seq` gap, and a
/// `threads/retrieve` sent during the load is answered within a generous bound (CI machines are
/// loaded; the benchmark's target is 50 ms).
final class LoadTests: XCTestCase {
    func testAThousandConcurrentStreamedRunsCompleteWithoutGapsAndReadsStayResponsive() throws {
        let chunks = 8
        let session = try AssistdSession(script: ["turns": [["text": .string(String(repeating: "load ", count: chunks)), "chunks": .int(Int64(chunks))]]])
        let assistant = try session.assistant()
        let probeThread = try session.thread()
        let runs = 1000
        var ids: [JSONValue] = []
        for _ in 0..<runs {
            ids.append(session.send("runs/createThreadAndRun", [
                "assistant_id": .string(assistant), "stream": true, "thread": ["messages": [["role": "user", "content": "load"]]],
            ]))
        }
        // Reads during the load.
        var probes: [TimeInterval] = []
        for _ in 0..<5 {
            let sent = Date()
            let reply = try session.reply(to: session.send("threads/retrieve", ["thread_id": .string(probeThread)]), within: 60)
            probes.append(Date().timeIntervalSince(sent))
            XCTAssertEqual(reply.result?["id"]?.stringValue, probeThread)
            usleep(50_000)
        }
        var completed = 0
        for id in ids {
            let reply = try session.reply(to: id, within: 120)
            if reply.result?["status"] == "completed" { completed += 1 }
            let seqs = reply.events.compactMap { $0["seq"]?.intValue }
            XCTAssertEqual(seqs, (0..<Int64(seqs.count)).map { $0 }, "request \(id): seq must count 0, 1, 2, … with no gap")
            XCTAssertEqual(reply.eventNames.last, "done")
        }
        XCTAssertEqual(completed, runs)
        print("load: \(runs) streamed runs completed; threads/retrieve during the load took \(probes.map { Int($0 * 1000) }) ms")
        XCTAssertLessThan(probes.max() ?? 0, 1.0, "a read waited behind streaming work")
    }
}
