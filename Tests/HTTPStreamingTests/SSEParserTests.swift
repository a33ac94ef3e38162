@testable import HTTPStreaming
import XCTest

final class SSEParserTests: XCTestCase {
    func parse(_ text: String, chunkSize: Int? = nil, isCompleteData: (([UInt8]) -> Bool)? = nil) -> [SSEEvent] {
        var parser = SSEParser(isCompleteData: isCompleteData)
        let bytes = Array(text.utf8)
        var events: [SSEEvent] = []
        let size = chunkSize ?? max(bytes.count, 1)
        var start = 0
        while start < bytes.count {
            events += parser.feed(bytes[start..<min(start + size, bytes.count)])
            start += size
        }
        return events + parser.finish()
    }

    func summary(_ events: [SSEEvent]) -> [String] {
        events.map { "\($0.event ?? "-")|\($0.dataString)" }
    }

    let service = "event:thread.run.created\ndata:{\"id\":\"run_1\"}\n\nevent:thread.message.delta\ndata:{\"v\":\"é\"}\n\nevent:done\ndata:[DONE]\n\n"
    let expected = ["thread.run.created|{\"id\":\"run_1\"}", "thread.message.delta|{\"v\":\"é\"}", "done|[DONE]"]

    func testTheServiceFramingAtEveryChunkBoundary() {
        for size in 1...12 {
            XCTAssertEqual(summary(parse(service, chunkSize: size)), expected, "chunk size \(size)")
        }
    }

    func testRepeatedAndSimilarEventNamesKeepTheirOwnSpelling() {
        let names = ["thread.message.delta", "thread.message.delta", "thread.message.delte", "thread.message.delta", "", "x", "x"]
        let text = names.map { "event:\($0)\ndata:1\n\n" }.joined()
        for size in [1, 5, 1000] {
            XCTAssertEqual(summary(parse(text, chunkSize: size)), names.map { "\($0)|1" }, "chunk size \(size)")
        }
    }

    func testSpaceAfterTheColonIsOptional() {
        let spaced = service.replacingOccurrences(of: "event:", with: "event: ").replacingOccurrences(of: "data:", with: "data: ")
        XCTAssertEqual(summary(parse(spaced)), expected)
    }

    func testCRLFAndCRLineEndsEvenSplitAcrossChunks() {
        let crlf = service.replacingOccurrences(of: "\n", with: "\r\n")
        let cr = service.replacingOccurrences(of: "\n", with: "\r")
        for size in 1...7 {
            XCTAssertEqual(summary(parse(crlf, chunkSize: size)), expected, "CRLF, chunk size \(size)")
            XCTAssertEqual(summary(parse(cr, chunkSize: size)), expected, "CR, chunk size \(size)")
        }
    }

    func testMultiLineDataIsJoinedWithNewlines() {
        let events = parse("event:x\ndata:{\ndata: \"a\": 1\ndata:}\n\n")
        XCTAssertEqual(events.map(\.dataString), ["{\n\"a\": 1\n}"])
    }

    func testCommentsHeartbeatsIdAndStatus() {
        let events = parse(":HTTP_STATUS/200\n:\n\nid:7\nevent:error\nstatus:429\ndata:{\"code\":\"Throttling\"}\n\n:\n")
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events[0].event, "error")
        XCTAssertEqual(events[0].id, "7")
        XCTAssertEqual(events[0].status, 429)
        XCTAssertEqual(events[0].dataString, "{\"code\":\"Throttling\"}")
    }

    func testAnEventLineAfterDataEndsTheEventEvenWithoutABlankLine() {
        let events = parse("event:a\ndata:1\nevent:b\ndata:2\n\n")
        XCTAssertEqual(summary(events), ["a|1", "b|2"])
    }

    func testTheLastEventIsDeliveredAtTheEndOfInputWithoutItsBlankLine() {
        XCTAssertEqual(summary(parse("event:a\ndata:1")), ["a|1"])
        XCTAssertEqual(summary(parse("event:a\ndata:1\n")), ["a|1"])
    }

    func testEventsWithoutDataAndUnknownFieldsAreIgnored() {
        XCTAssertEqual(summary(parse("event:lonely\n\nretry:100\nevent:b\ndata:2\n\n")), ["b|2"])
        XCTAssertEqual(summary(parse("data:[DONE]\n\n")), ["-|[DONE]"])
    }

    func testALeadingByteOrderMarkIsSkipped() {
        XCTAssertEqual(summary(parse("\u{FEFF}event:a\ndata:1\n\n", chunkSize: 1)), ["a|1"])
    }

    func testADataLineAfterACompletePayloadStartsANewEventOnlyWhenAsked() {
        let body = "data:{\"a\":1}\ndata:{\"b\":2}\ndata:{\"c\":\ndata:3}\n\n"
        XCTAssertEqual(summary(parse(body, chunkSize: 2)), ["-|{\"a\":1}\n{\"b\":2}\n{\"c\":\n3}"])
        let isCompleteJSON: ([UInt8]) -> Bool = { $0.first == UInt8(ascii: "{") && $0.last == UInt8(ascii: "}") }
        XCTAssertEqual(
            summary(parse(body, chunkSize: 2, isCompleteData: isCompleteJSON)),
            ["-|{\"a\":1}", "-|{\"b\":2}", "-|{\"c\":\n3}"])
    }
}
