@testable import HTTPStreaming
import Foundation
import XCTest

/// The body relay keeps the network's order whatever the timing between URLSession's delegate
/// queue and the reader attaching (the cause of a stream once starting with
/// `thread.run.step.created`: a chunk overtook the replay of the buffered first chunks).
final class ResponseBodyRelayTests: XCTestCase {
    static func chunk(_ number: Int) -> Data { Data("\(number);".utf8) }
    func chunk(_ number: Int) -> Data { Self.chunk(number) }

    func collect(_ stream: AsyncThrowingStream<Data, any Error>) async throws -> String {
        var text = ""
        for try await piece in stream { text += String(decoding: piece, as: UTF8.self) }
        return text
    }

    func testChunksBufferedBeforeTheReaderComeFirstThenTheRestThenTheEnd() async throws {
        let relay = ResponseBodyRelay()
        relay.append(chunk(0))
        relay.append(chunk(1))
        let stream = relay.makeStream(onCancel: {})
        relay.append(chunk(2))
        relay.finish(throwing: nil)
        relay.append(chunk(3))  // after the end: dropped
        let text = try await collect(stream)
        XCTAssertEqual(text, "0;1;2;")
    }

    func testAnEndBeforeTheReaderAttachesStillDeliversEverything() async throws {
        struct Dropped: Error {}
        let relay = ResponseBodyRelay()
        relay.append(chunk(0))
        relay.finish(throwing: Dropped())
        var received = ""
        do {
            for try await piece in relay.makeStream(onCancel: {}) { received += String(decoding: piece, as: UTF8.self) }
            XCTFail("the stream should end with the transport's error")
        } catch {
            XCTAssertTrue(error is Dropped, "\(error)")
        }
        XCTAssertEqual(received, "0;")
    }

    /// The delegate queue delivers while the reader attaches: many races, each of which must
    /// come out in order and complete. (The old hand-off failed a sixth of these rounds on a
    /// loaded machine.)
    func testDeliveryRacingTheReaderKeepsOrderAndLosesNothing() async throws {
        let expected = (0..<400).map { "\($0);" }.joined()
        for round in 0..<1000 {
            let relay = ResponseBodyRelay()
            for number in 0..<3 { relay.append(chunk(number)) }
            let delivering = DispatchSemaphore(value: 0)
            let delivered = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                delivering.signal()
                for number in 3..<400 { relay.append(Self.chunk(number)) }
                relay.finish(throwing: nil)
                delivered.signal()
            }
            delivering.wait()
            let text = try await collect(relay.makeStream(onCancel: {}))
            delivered.wait()
            if text != expected {
                return XCTFail("round \(round): got \(text.prefix(80))…")
            }
        }
    }

    func testAReaderThatStopsEarlyCancelsTheRequest() async throws {
        let relay = ResponseBodyRelay()
        let cancelled = expectation(description: "onCancel")
        relay.append(chunk(0))
        // The stream lives only in the reader, so it goes away when the reader stops.
        let reader = Task {
            for try await _ in relay.makeStream(onCancel: { cancelled.fulfill() }) { break }
        }
        try await reader.value
        await fulfillment(of: [cancelled], timeout: 20)
    }
}
