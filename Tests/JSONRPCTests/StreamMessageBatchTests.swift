import AssistdSupport
import Foundation
import JSONCore
import XCTest

@testable import JSONRPC

/// A stream's events queued as one batch: the same bytes as one at a time, in both framings, and
/// the same back-pressure (the batch waits until all of it fits).
final class StreamMessageBatchTests: XCTestCase {
    private var pipes: [(read: Int32, write: Int32, writer: OrderedWriter)] = []

    override func setUp() {
        signal(SIGPIPE, SIG_IGN)
    }

    override func tearDown() {
        for pipe in pipes {
            pipe.writer.close()
            _ = Glibc.close(pipe.read)
            pipe.writer.flush(timeout: .now() + .seconds(2))
            _ = Glibc.close(pipe.write)
        }
    }

    private func makeWriter(mode: FramingMode, budget: Int = 1 << 20) -> (read: Int32, writer: OrderedWriter) {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(Glibc.pipe(&fds), 0)
        let writer = OrderedWriter(
            fileDescriptor: fds[1], mode: mode, limits: OrderedWriter.Limits(streamBudgetBytes: budget, stallLimit: nil), trace: nil,
            logger: .disabled)
        pipes.append((fds[0], fds[1], writer))
        return (fds[0], writer)
    }

    /// Reads exactly `count` bytes.
    private func read(_ fd: Int32, count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count < count {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, count - bytes.count)) }
            if got <= 0 { break }
            bytes += chunk[0..<got]
        }
        return bytes
    }

    private static func event(_ seq: Int, size: Int = 40) -> JSONValue {
        ["jsonrpc": "2.0", "method": "runs/event", "params": ["request": 7, "seq": .int(Int64(seq)), "event": "thread.message.delta", "data": ["pad": .string(String(repeating: "é", count: size))]]]
    }

    func testABatchIsWrittenAsTheSameBytesAsItsMessagesOneAtATime() async throws {
        for mode in [FramingMode.ndjson, .lsp] {
            let single = makeWriter(mode: mode)
            let batched = makeWriter(mode: mode)
            var batch = batched.writer.makeStreamBatch()
            for seq in 0..<50 {
                let message = Self.event(seq, size: seq)
                try await single.writer.send(message, stream: .int(7))
                if seq % 3 == 0 {
                    let body = MessageSerialization.serialize(message)
                    batch.append(messageOfCount: body.count) { $0.append(contentsOf: body) }
                } else if seq % 2 == 0 {
                    batch.append { $0.append(contentsOf: MessageSerialization.serialize(message)) }
                } else {
                    batch.append(notification: "runs/event", params: message["params"])
                }
            }
            try await batched.writer.send(batch, stream: .int(7))
            XCTAssertTrue(single.writer.flush(timeout: .now() + .seconds(5)))
            XCTAssertTrue(batched.writer.flush(timeout: .now() + .seconds(5)))
            let expected = read(single.read, count: batch.bytes.count)
            XCTAssertEqual(expected.count, batch.bytes.count, "\(mode)")
            XCTAssertTrue(read(batched.read, count: expected.count) == expected, "\(mode): a batch's bytes differ from its messages'")
        }
    }

    func testABatchWaitsUntilAllOfItFitsThenGoesOutWhole() async throws {
        let (readEnd, writer) = makeWriter(mode: .ndjson, budget: 16 << 10)
        // Fill the pipe (64 KiB) and the budget with single events of ~1 KiB, numbered from 0.
        let filled = Task { [writer] in
            for seq in 0..<100_000 { try await writer.send(StreamMessageBatchTests.event(seq, size: 500), stream: .int(7)) }
        }
        try await Task.sleep(for: .milliseconds(300))
        filled.cancel()
        _ = try? await filled.value
        XCTAssertGreaterThan(writer.queuedStreamBytes, 8 << 10, "the budget is nearly full")
        var batch = writer.makeStreamBatch()
        let sent = Locked(false)
        let queuedBefore = writer.queuedStreamBytes
        for extra in 0..<20 { batch.append(notification: "runs/event", params: ["request": 7, "seq": .int(Int64(100_000 + extra)), "pad": .string(String(repeating: "x", count: 1000))]) }
        let producer = Task { [writer, batch] in
            try await writer.send(batch, stream: .int(7))
            sent.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertFalse(sent.current, "a batch that does not fit waits")
        XCTAssertEqual(writer.queuedStreamBytes, queuedBefore, "and queues none of its messages meanwhile")
        // The peer reads: the batch goes in whole, behind every event before it.
        var lines: [JSONValue] = []
        var pending: [UInt8] = []
        while lines.last?["params"]?["seq"] != 100_019 {
            pending += read(readEnd, count: 1)
            if pending.last == UInt8(ascii: "\n") {
                lines.append(try JSONValue.parse(Array(pending.dropLast())))
                pending = []
            }
        }
        try await producer.value
        let seqs = lines.compactMap { $0["params"]?["seq"]?.intValue }
        let boundary = try XCTUnwrap(seqs.firstIndex(of: 100_000))
        XCTAssertEqual(Array(seqs[..<boundary]), (0..<Int64(boundary)).map { $0 }, "the single events first, in order")
        XCTAssertEqual(Array(seqs[boundary...]), (100_000..<100_020).map { Int64($0) }, "then the whole batch, in order")
    }
}
