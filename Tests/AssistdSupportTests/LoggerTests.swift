@testable import AssistdSupport
import Foundation
import XCTest

/// The one logger: lines at or above its level reach its file, labelled and timestamped.
final class LoggerTests: XCTestCase {
    func testLinesBelowTheMinimumLevelAreLeftOutAndTheRestReachTheFile() throws {
        let path = NSTemporaryDirectory() + "logger-test-\(UUID().uuidString).log"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer {
            close(fd)
            try? FileManager.default.removeItem(atPath: path)
        }
        let logger = Logger(fileDescriptor: fd, minimumLevel: .warning, label: "test")
        logger.debug("debug line")
        logger.info("info line")
        logger.warning("warning line")
        logger.error("error line")
        logger.flush(timeout: .seconds(5))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertTrue(lines[0].hasSuffix(" test warning: warning line"), lines[0])
        XCTAssertTrue(lines[1].hasSuffix(" test error: error line"), lines[1])
    }

    func testTimestampsAreWhatISO8601DateFormatterWritesWithMilliseconds() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for (seconds, milliseconds) in [(0, 0), (951_782_400, 7), (1_796_411_040, 8), (1_796_497_439, 999), (4_102_444_799, 120)] {
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1000)
            XCTAssertEqual(
                LogSink.timestamp(seconds: seconds, nanoseconds: milliseconds * 1_000_000 + 400_000), formatter.string(from: date))
        }
        XCTAssertEqual(LogSink.timestamp(seconds: 1_796_411_040, nanoseconds: 8_999_999), "2026-12-04T19:04:00.008Z")
    }

    func testDisabledLoggerWritesNothingAndLevelsParseByName() {
        Logger.disabled.error("nowhere")
        XCTAssertEqual(LogLevel(name: "WARN"), .warning)
        XCTAssertEqual(LogLevel(name: "debug"), .debug)
        XCTAssertNil(LogLevel(name: "verbose"))
        XCTAssertLessThan(LogLevel.info, LogLevel.warning)
    }

    func testWriteAllWritesEveryByteOfALargeBufferThroughAPipe() {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let readEnd = fds[0]
        let bytes = [UInt8](repeating: 0x61, count: 1 << 20)
        let total = Locked(0)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while case let count = read(readEnd, &buffer, buffer.count), count > 0 {
                total.withLock { $0 += count }
            }
            close(readEnd)
            finished.signal()
        }.start()
        XCTAssertTrue(writeAll(fds[1], bytes))
        close(fds[1])
        XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(total.current, bytes.count)
    }
}
