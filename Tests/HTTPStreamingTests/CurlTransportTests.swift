import Foundation
import HTTPStreaming
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `CurlTransport` against a one-connection server in the test: a body its reader does not
/// take stays unread on the server's side (back-pressure), and arrives whole and in order.
final class CurlTransportTests: XCTestCase {
    func testABodyTheReaderDoesNotTakeWaitsOnTheServersSide() async throws {
        let bodyBytes = 48 << 20
        let server = try OneResponseServer(bodyBytes: bodyBytes)
        let transport = CurlTransport(connectTimeout: .seconds(10), readTimeout: .seconds(10), bodyBufferBytes: 256 << 10)
        defer { transport.shutdown() }
        let exchange = try await transport.open(HTTPRequest(
            method: "GET", url: URL(string: "http://127.0.0.1:\(server.port)/big")!, headers: [], body: nil))
        XCTAssertEqual(exchange.head.status, 200)
        // Read nothing for a while: the server can only fill the buffers between us.
        try await Task.sleep(for: .milliseconds(800))
        let sentWhileWaiting = server.bytesSent
        // Kernel socket buffers on both sides (a few MiB each) and the transport's 256 KiB.
        XCTAssertLessThan(sentWhileWaiting, 16 << 20, "the transport read \(sentWhileWaiting) bytes nobody asked for")
        let piece = 1 << 20
        let pattern = (0..<(piece + 251)).map { UInt8($0 % 251) }
        var received = 0
        var intact = true
        for try await chunk in exchange.body {
            chunk.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let count = min(piece, bytes.count - offset)
                    let expected = (received + offset) % 251
                    if memcmp(bytes.baseAddress! + offset, pattern.withUnsafeBytes { $0.baseAddress! + expected }, count) != 0 { intact = false }
                    offset += count
                }
            }
            received += chunk.count
        }
        XCTAssertEqual(received, bodyBytes)
        XCTAssertTrue(intact, "the body arrived out of order or altered")
    }

    func testFetchAnswersTheWholeBodyInOrderWhateverTheBufferLimit() async throws {
        let bodyBytes = 3 << 20
        let server = try OneResponseServer(bodyBytes: bodyBytes)
        // A limit far below the body: `fetch` must not pause (nobody would resume it).
        let transport = CurlTransport(connectTimeout: .seconds(10), readTimeout: .seconds(10), bodyBufferBytes: 16 << 10)
        defer { transport.shutdown() }
        let (head, body) = try await transport.fetch(HTTPRequest(
            method: "GET", url: URL(string: "http://127.0.0.1:\(server.port)/whole")!, headers: [], body: nil))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), String(bodyBytes))
        XCTAssertEqual(body.count, bodyBytes)
        XCTAssertTrue(body.enumerated().allSatisfy { $0.element == UInt8($0.offset % 251) }, "the body arrived out of order or altered")
    }

    func testFetchFromARefusedConnectionSaysSo() async throws {
        let transport = CurlTransport(connectTimeout: .seconds(5), readTimeout: .seconds(5))
        defer { transport.shutdown() }
        let port = try LoopbackSocket.unusedPort()
        do {
            _ = try await transport.fetch(HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/")!, headers: [], body: nil))
            XCTFail("a request to a closed port succeeded")
        } catch let error as TransportError {
            XCTAssertEqual(error.kind, .refused, "\(error)")
        }
    }

    func testALateCancelOfAnEndedRequestLeavesTheNextOneOnItsHandleAlone() async throws {
        let first = try OneResponseServer(bodyBytes: 1000)
        let second = try OneResponseServer(bodyBytes: 8 << 20)
        let transport = CurlTransport(connectTimeout: .seconds(10), readTimeout: .seconds(10), bodyBufferBytes: 64 << 10)
        defer { transport.shutdown() }
        func get(_ server: OneResponseServer) -> HTTPRequest {
            HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(server.port)/")!, headers: [], body: nil)
        }
        let ended = try await transport.open(get(first))
        let endedBody = try await ended.collect()
        XCTAssertEqual(endedBody.count, 1000)
        try await Task.sleep(for: .milliseconds(200))  // its handle is back with the transport
        // Paused on a full buffer while the first one's cancel arrives, on the handle that one used.
        let next = try await transport.open(get(second))
        ended.cancel()
        try await Task.sleep(for: .milliseconds(300))
        let received = ReceivedCount()
        let reader = Task { received.set(try await next.collect().count) }
        for _ in 0..<150 where received.value == nil { try await Task.sleep(for: .milliseconds(100)) }
        reader.cancel()
        XCTAssertEqual(received.value, 8 << 20, "the next request was ended by the late cancel")
    }

    func testARefusedConnectionSaysSo() async throws {
        let transport = CurlTransport(connectTimeout: .seconds(5), readTimeout: .seconds(5))
        defer { transport.shutdown() }
        let port = try LoopbackSocket.unusedPort()
        do {
            _ = try await transport.open(HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/")!, headers: [], body: nil))
            XCTFail("a request to a closed port succeeded")
        } catch let error as TransportError {
            XCTAssertEqual(error.kind, .refused, "\(error)")
        }
    }
}

private final class ReceivedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int?
    var value: Int? { lock.withLock { count } }
    func set(_ value: Int) { lock.withLock { count = value } }
}

/// Accepts one connection, reads the request head, answers 200 with `bodyBytes` of a pattern
/// (byte i is i % 251) as fast as the client takes them, and counts what it sent.
private final class OneResponseServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let sent = NSLock()
    private var sentBytes = 0

    var bytesSent: Int { sent.withLock { sentBytes } }

    init(bodyBytes: Int) throws {
        let (fd, port) = try LoopbackSocket.listening(backlog: 1)
        listener = fd
        self.port = port
        Thread.detachNewThread { [self] in
            let connection = accept(fd, nil, nil)
            defer { close(connection) }
            var request: [UInt8] = []
            var byte: UInt8 = 0
            while read(connection, &byte, 1) == 1 {
                request.append(byte)
                if request.suffix(4) == [13, 10, 13, 10] { break }
            }
            let head = Array("HTTP/1.1 200 OK\r\nContent-Length: \(bodyBytes)\r\n\r\n".utf8)
            guard write(connection, head, head.count) == head.count else { return }
            let piece = 64 << 10
            var offset = 0
            var buffer = [UInt8](repeating: 0, count: piece)
            while offset < bodyBytes {
                let count = min(piece, bodyBytes - offset)
                for index in 0..<count { buffer[index] = UInt8((offset + index) % 251) }
                var written = 0
                while written < count {
                    let result = buffer.withUnsafeBytes { write(connection, $0.baseAddress! + written, count - written) }
                    guard result > 0 else { return }
                    written += result
                    sent.withLock { sentBytes += result }
                }
                offset += count
            }
        }
    }

    deinit { close(listener) }
}
