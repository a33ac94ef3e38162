import Foundation
import HTTPStreaming
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `InputThreadTransfers`: a fetch started on the thread that waits for input with it is
/// performed by that thread while it waits, and the input is still read while the call is in
/// flight (so a cancel read there ends it at once).
final class InputThreadTransfersTests: XCTestCase {
    func testAFetchStartedOnTheInputThreadEndsWhileItWaitsAndItsInputIsStillRead() async throws {
        let answering = try HoldingServer(answers: true)
        let holding = try HoldingServer(answers: false)
        let transport = CurlTransport(connectTimeout: .seconds(20), readTimeout: .seconds(20), fetchesOnInputThread: true)
        defer { transport.shutdown() }
        let reader = InputReader(transport: transport, urls: [
            UInt8(ascii: "a"): URL(string: "http://127.0.0.1:\(answering.port)/a")!,
            UInt8(ascii: "h"): URL(string: "http://127.0.0.1:\(holding.port)/h")!,
        ])
        defer { reader.send("q") }

        // Nothing but the answer wakes the reader: it must drive the call itself.
        reader.send("a")
        let answered = try await reader.nextTask().value
        XCTAssertEqual(try answered.get(), 200)
        XCTAssertTrue(reader.resumedOnReader, "the answer was handed over by another thread")

        // A call the server never answers: the reader still reads its input, and a cancel read
        // there ends the call at once.
        reader.send("h")
        let held = try await reader.nextTask()
        while holding.requestsSeen == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let started = ContinuousClock.now
        reader.send("c")
        let outcome = await held.value
        XCTAssertThrowsError(try outcome.get()) { XCTAssertTrue($0 is CancellationError, "\($0)") }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
    }
}

/// A thread that waits for its input with `InputThreadTransfers` and reads one byte at a time:
/// a byte naming a URL starts a fetch of it there; "c" cancels the last one; "q" ends.
private final class InputReader: @unchecked Sendable {
    // @unchecked: `started` and `waiters` are guarded by `lock`.
    typealias Fetch = Task<Result<Int, any Error>, Never>
    private let input: (read: Int32, write: Int32)
    private let lock = NSLock()
    private var started: [Fetch] = []
    private var waiters: [CheckedContinuation<Fetch, Never>] = []
    private var thread: pthread_t?
    private var resumedOn: pthread_t?

    /// Whether the last fetch that ended went on on the reader's thread (the thread that ends a
    /// wait runs the task on: `SameThreadExecutor`).
    var resumedOnReader: Bool {
        lock.withLock { thread.flatMap { thread in resumedOn.map { pthread_equal(thread, $0) != 0 } } ?? false }
    }

    init(transport: CurlTransport, urls: [UInt8: URL]) {
        var ends: [Int32] = [-1, -1]
        precondition(pipe(&ends) == 0)
        input = (ends[0], ends[1])
        let thread = Thread { [self] in
            lock.withLock { self.thread = pthread_self() }
            var last: Fetch?
            while true {
                InputThreadTransfers.waitUntilReadable(input.read)
                var byte: UInt8 = 0
                guard read(input.read, &byte, 1) == 1, byte != UInt8(ascii: "q") else { break }
                if byte == UInt8(ascii: "c") {
                    last?.cancel()
                } else if let url = urls[byte] {
                    let fetch = Fetch.immediate(executorPreference: SameThreadExecutor.shared) {
                        do {
                            let status = try await transport.fetch(HTTPRequest(method: "GET", url: url, headers: [], body: nil)).head.status
                            self.lock.withLock { self.resumedOn = pthread_self() }
                            return .success(status)
                        } catch {
                            return .failure(error)
                        }
                    }
                    last = fetch
                    hand(fetch)
                }
            }
            InputThreadTransfers.finishCalls()
        }
        thread.start()
    }

    deinit {
        close(input.read)
        close(input.write)
    }

    func send(_ letter: String) {
        _ = write(input.write, letter, 1)
    }

    private func hand(_ fetch: Fetch) {
        let waiter = lock.withLock { () -> CheckedContinuation<Fetch, Never>? in
            if waiters.isEmpty {
                started.append(fetch)
                return nil
            }
            return waiters.removeFirst()
        }
        waiter?.resume(returning: fetch)
    }

    /// The next fetch the thread started.
    func nextTask() async throws -> Fetch {
        await withCheckedContinuation { continuation in
            let ready = lock.withLock { () -> Fetch? in
                if !started.isEmpty { return started.removeFirst() }
                waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// Runs each job at once on the thread that enqueues it (as JSONRPC's `ResumingThreadExecutor`).
private final class SameThreadExecutor: TaskExecutor {
    static let shared = SameThreadExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        job.runSynchronously(on: asUnownedTaskExecutor())
    }
}

/// Accepts connections and reads requests; answers each with an empty 200, or never.
private final class HoldingServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var seen = 0

    var requestsSeen: Int { lock.withLock { seen } }

    init(answers: Bool) throws {
        let (fd, port) = try LoopbackSocket.listening(backlog: 4)
        listener = fd
        self.port = port
        Thread.detachNewThread { [self] in
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { return }
            var request: [UInt8] = []
            var byte: UInt8 = 0
            while read(connection, &byte, 1) == 1 {
                request.append(byte)
                if request.suffix(4) == [13, 10, 13, 10] { break }
            }
            lock.withLock { seen += 1 }
            if answers {
                let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)
                _ = write(connection, answer, answer.count)
            }
            // Held or answered, the connection stays open until the client closes it.
            while read(connection, &byte, 1) == 1 {}
            close(connection)
        }
    }

    deinit { close(listener) }
}
