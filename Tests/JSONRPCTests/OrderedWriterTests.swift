import AssistdSupport
import Foundation
import JSONCore
import XCTest

@testable import JSONRPC

/// The writer's flow control, on a pipe the test reads only when it chooses to.
final class OrderedWriterTests: XCTestCase {
    var readEnd: Int32 = -1
    var writeEnd: Int32 = -1
    var writer: OrderedWriter!

    func makeWriter(budget: Int, stallLimit: Duration? = nil, urgentBacklog: Int = 64 << 20) {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        (readEnd, writeEnd) = (fds[0], fds[1])
        writer = OrderedWriter(
            fileDescriptor: writeEnd, mode: .ndjson,
            limits: OrderedWriter.Limits(streamBudgetBytes: budget, stallLimit: stallLimit, urgentBacklogBytes: urgentBacklog), trace: nil, logger: .disabled)
    }

    override func setUp() {
        signal(SIGPIPE, SIG_IGN)
    }

    override func tearDown() {
        writer?.close()
        if readEnd >= 0 { _ = Glibc.close(readEnd) }  // a writer blocked on the full pipe gets EPIPE and ends
        writer?.flush(timeout: .now() + .seconds(2))
        if writeEnd >= 0 { _ = Glibc.close(writeEnd) }
    }

    static func event(_ stream: Int64, _ seq: Int, size: Int = 1000) -> JSONValue {
        ["jsonrpc": "2.0", "method": "runs/event", "params": ["request": .int(stream), "seq": .int(Int64(seq)), "pad": .string(String(repeating: "x", count: size))]]
    }

    static func response(_ id: Int64) -> JSONValue { ["jsonrpc": "2.0", "id": .int(id), "result": .null] }

    /// Reads messages until `count` arrived.
    func read(_ count: Int) -> [JSONValue] {
        var messages: [JSONValue] = []
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while messages.count < count {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(readEnd, $0.baseAddress, $0.count) }
            if got <= 0 { break }
            pending += chunk[0..<got]
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                if let message = try? JSONValue.parse(Array(pending[..<newline])) { messages.append(message) }
                pending.removeFirst(newline + 1)
            }
        }
        return messages
    }

    func testStreamProducersWaitWhileTheBudgetIsFullAndGoOnOnceThePeerReads() async throws {
        makeWriter(budget: 32 << 10)
        let sent = Locked(0)
        let producer = Task { [writer] in
            for seq in 0..<1000 {
                try await writer!.send(OrderedWriterTests.event(1, seq), stream: .int(1))
                sent.withLock { $0 += 1 }
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        // The pipe (64 KiB) and the budget (32 KiB) hold ~100 frames of ~1 KiB; nothing more is queued.
        let whileBlocked = sent.current
        XCTAssertLessThan(whileBlocked, 200, "producers must wait, not queue without limit")
        XCTAssertLessThanOrEqual(writer.queuedStreamBytes, 33 << 10)
        let messages = read(1000)
        try await producer.value
        XCTAssertEqual(messages.map { $0["params"]?["seq"]?.intValue }, (0..<1000).map { Int64($0) })
    }

    func testAResponseOvertakesQueuedEventsButNeverItsOwnRequestsEvents() async throws {
        makeWriter(budget: 256 << 10)
        for seq in 0..<200 { try await writer.send(Self.event(1, seq), stream: .int(1)) }
        writer.enqueue(Self.response(1), stream: .int(1))  // behind its 200 events
        writer.enqueue(Self.response(2), stream: .int(2))  // no events queued: overtakes
        let messages = read(202)
        let lastEvent = try XCTUnwrap(messages.lastIndex { $0["params"]?["seq"] == 199 })
        let first = try XCTUnwrap(messages.firstIndex { $0["id"] == 1 })
        let second = try XCTUnwrap(messages.firstIndex { $0["id"] == 2 })
        XCTAssertGreaterThan(first, lastEvent, "a response follows its own events")
        XCTAssertLessThan(second, lastEvent, "another request's response does not wait behind them")
    }

    func testAStalledPeerFailsWaitingProducersAfterTheLimitAndRecoversWhenItReads() async throws {
        makeWriter(budget: 16 << 10, stallLimit: .milliseconds(300))
        let started = Date()
        var failure: (any Error)?
        var sent = 0
        do {
            for seq in 0..<10_000 {
                try await writer.send(Self.event(1, seq), stream: .int(1))
                sent += 1
            }
        } catch {
            failure = error
        }
        XCTAssertEqual(failure as? OutputError, .peerStalled(seconds: 0.3))
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        // While stalled and full, a new stream frame fails at once.
        do {
            try await writer.send(Self.event(2, 0), stream: .int(2))
            XCTFail("sent while the peer is stalled and the budget full")
        } catch {
            XCTAssertEqual(error as? OutputError, .peerStalled(seconds: 0.3))
        }
        // Urgent frames still queue, and once the peer reads, streams flow again.
        writer.enqueue(Self.response(3))
        let drained = read(sent + 1)
        XCTAssertTrue(drained.contains { $0["id"] == 3 })
        try await writer.send(Self.event(4, 0), stream: .int(4))
        XCTAssertEqual(read(1).first?["params"]?["request"], 4)
    }

    func testCancellingAWaitingProducerEndsItsWait() async throws {
        makeWriter(budget: 8 << 10)
        let producer = Task { [writer] in
            for seq in 0..<10_000 { try await writer!.send(OrderedWriterTests.event(1, seq), stream: .int(1)) }
        }
        try await Task.sleep(for: .milliseconds(300))
        producer.cancel()
        do {
            try await producer.value
            XCTFail("the producer finished without the peer reading")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
    }

    func testTheReaderWaitsWhileTooManyAnswersAreUnreadAndGoesOnWhenThePeerReads() async throws {
        makeWriter(budget: 1 << 20, urgentBacklog: 16 << 10)
        let big: JSONValue = ["jsonrpc": "2.0", "id": 1, "result": .string(String(repeating: "x", count: 1000))]
        for _ in 0..<200 { writer.enqueue(big) }  // ~200 KiB: the pipe takes 64 KiB, the rest waits
        let returned = Locked(false)
        let reader = Thread { [writer] in
            writer!.waitForUrgentRoom()
            returned.withLock { $0 = true }
        }
        reader.start()
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertFalse(returned.current, "the reader must wait while answers pile up unread")
        XCTAssertEqual(read(200).count, 200)
        for _ in 0..<100 where !returned.current { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertTrue(returned.current, "and go on once the peer reads")
    }

    // MARK: Writing on the caller's thread

    func testAResponseToAnIdleOutputIsWrittenBeforeEnqueueReturns() {
        makeWriter(budget: 1 << 20)
        for id in Int64(1)...20 {
            writer.enqueue(Self.response(id))
            var ready = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            XCTAssertEqual(poll(&ready, 1, 0), 1, "response \(id) is in the pipe as enqueue returns: no writer thread woken for it")
            XCTAssertEqual(read(1).first?["id"], .int(id))
        }
    }

    /// Fills the pipe with NDJSON lines of exactly 4096 bytes (one pipe page each) until it takes
    /// no more; returns how many.
    func fillPipe() -> Int {
        let flags = fcntl(writeEnd, F_GETFL)
        _ = fcntl(writeEnd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(writeEnd, F_SETFL, flags) }
        let prefix = Array(#"{"filler":""#.utf8), suffix = Array(#""}"#.utf8) + [UInt8(ascii: "\n")]
        let line = prefix + [UInt8](repeating: UInt8(ascii: "f"), count: 4096 - prefix.count - suffix.count) + suffix
        var lines = 0
        while line.withUnsafeBytes({ Glibc.write(writeEnd, $0.baseAddress, $0.count) }) == 4096 { lines += 1 }
        return lines
    }

    /// The peer has no room (none, or one page): enqueue returns at once, the writer thread writes
    /// what is left once the peer reads, and nothing overtakes the response written in part.
    func testAResponseThePeerHasNoRoomForIsQueuedWithoutBlockingAndKeepsItsOrder() throws {
        for freePages in [0, 1] {
            makeWriter(budget: 1 << 20)
            var fillers = fillPipe()
            XCTAssertGreaterThan(fillers, 0)
            for _ in 0..<freePages {
                var page = [UInt8](repeating: 0, count: 4096)
                XCTAssertEqual(page.withUnsafeMutableBytes { Glibc.read(readEnd, $0.baseAddress, $0.count) }, 4096)
                fillers -= 1
            }
            let pad = String(repeating: "y", count: 20_000)
            let started = ContinuousClock.now
            writer.enqueue(["jsonrpc": "2.0", "id": 1, "result": ["pad": .string(pad)]])
            writer.enqueue(Self.response(2))
            writer.enqueue(Self.event(3, 0), stream: .int(3))
            XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(500), "enqueue never waits for the peer")
            let messages = read(fillers + 3)
            XCTAssertEqual(messages.count, fillers + 3)
            XCTAssertTrue(messages.prefix(fillers).allSatisfy { $0["filler"] != nil })
            XCTAssertEqual(messages.dropFirst(fillers).first?["result"]?["pad"], .string(pad), "written whole, in order")
            XCTAssertEqual(messages.dropFirst(fillers + 1).first?["id"], 2)
            XCTAssertEqual(messages.last?["params"]?["request"], 3)
            tearDown()
            (readEnd, writeEnd, writer) = (-1, -1, nil)
        }
    }
}
