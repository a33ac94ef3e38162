import JSONRPC
import XCTest

final class FrameParserTests: XCTestCase {
    /// Feeds every byte on its own and collects the events.
    func feedBytewise(_ parser: inout FrameParser, _ bytes: [UInt8]) -> [FrameEvent] {
        bytes.flatMap { parser.feed([$0]) }
    }

    func lsp(_ body: String) -> [UInt8] { FrameEncoder.encode(Array(body.utf8), mode: .lsp) }

    func message(_ text: String) -> FrameEvent { .message(Array(text.utf8)) }

    // MARK: LSP framing

    func testLSPMessageFedOneByteAtATime() {
        var parser = FrameParser(framing: .lsp)
        let events = feedBytewise(&parser, lsp(#"{"jsonrpc":"2.0","method":"a"}"#))
        XCTAssertEqual(events, [message(#"{"jsonrpc":"2.0","method":"a"}"#)])
        XCTAssertEqual(parser.bufferedByteCount, 0)
    }

    func testMultibyteBodiesUseByteLengths() {
        let body = #"{"text":"héllo 😀 你好世界 🇯🇵"}"#
        let framed = FrameEncoder.encode(Array(body.utf8), mode: .lsp)
        let header = "Content-Length: \(body.utf8.count)\r\n\r\n"
        XCTAssertNotEqual(body.utf8.count, body.count, "the sample must have multibyte characters")
        XCTAssertEqual(Array(framed.prefix(header.utf8.count)), Array(header.utf8))
        var parser = FrameParser(framing: .lsp)
        XCTAssertEqual(feedBytewise(&parser, framed + framed), [message(body), message(body)])
    }

    func testJoinedFramesInOneChunk() {
        var parser = FrameParser(framing: .lsp)
        let events = parser.feed(lsp("[1]") + lsp("[2]") + lsp("[3]"))
        XCTAssertEqual(events, [message("[1]"), message("[2]"), message("[3]")])
    }

    func testFramesSplitAtEveryPossiblePoint() {
        let stream = lsp(#"{"a":"😀"}"#) + lsp(#"{"b":2}"#)
        for split in 0...stream.count {
            var parser = FrameParser(framing: .lsp)
            let events = parser.feed(Array(stream[..<split])) + parser.feed(Array(stream[split...]))
            XCTAssertEqual(events, [message(#"{"a":"😀"}"#), message(#"{"b":2}"#)], "split at \(split)")
        }
    }

    func testHeaderNamesAreCaseInsensitiveAndOtherHeadersIgnored() {
        var parser = FrameParser(framing: .lsp)
        let input = "content-type: application/vscode-jsonrpc; charset=utf-8\r\nCONTENT-LENGTH:   3  \r\nX-Other: 1\r\n\r\n[1]"
        XCTAssertEqual(feedBytewise(&parser, Array(input.utf8)), [message("[1]")])
    }

    func testMalformedHeaderLineIsReportedAndParsingResumes() {
        var parser = FrameParser(framing: .lsp)
        let input = Array("Content-Length: 3\r\nthis is not a header\r\n\r\n[1]".utf8) + lsp("[2]")
        let events = feedBytewise(&parser, input)
        XCTAssertEqual(events.count, 2)
        guard case .error(.malformedHeader(let line)) = events[0] else { return XCTFail("\(events)") }
        XCTAssertEqual(line, "this is not a header")
        XCTAssertEqual(events[1], message("[2]"))
    }

    func testMissingContentLength() {
        var parser = FrameParser(framing: .lsp)
        let input = Array("Content-Type: application/json\r\n\r\n{}".utf8) + lsp("[2]")
        XCTAssertEqual(parser.feed(input), [.error(.missingContentLength), message("[2]")])
    }

    func testNonNumericAndNegativeContentLength() {
        for bad in ["abc", "-3", "3.0", "", "1e3", "99999999999999999999"] {
            var parser = FrameParser(framing: .lsp)
            let input = Array("Content-Length: \(bad)\r\n\r\n[1]".utf8) + lsp("[2]")
            XCTAssertEqual(feedBytewise(&parser, input), [.error(.invalidContentLength(bad)), message("[2]")], bad)
        }
    }

    func testConflictingContentLengths() {
        var parser = FrameParser(framing: .lsp)
        let input = Array("Content-Length: 3\r\nContent-Length: 4\r\n\r\n[1]".utf8) + lsp("[2]")
        let events = parser.feed(input)
        XCTAssertEqual(events.count, 2)
        guard case .error(.malformedHeader) = events[0] else { return XCTFail("\(events)") }
        XCTAssertEqual(events[1], message("[2]"))
    }

    func testOversizeBodyIsSkippedWithoutBuffering() {
        var parser = FrameParser(framing: .lsp, maxMessageBytes: 10)
        let big = String(repeating: "x", count: 5000)
        var events = parser.feed(Array("Content-Length: 5002\r\n\r\n".utf8))
        XCTAssertEqual(events, [.error(.messageTooLarge(length: 5002, limit: 10))], "reported before the body arrives")
        for chunk in Array(("\"" + big + "\"").utf8).chunked(into: 7) {
            events += parser.feed(chunk)
            XCTAssertEqual(parser.bufferedByteCount, 0)
        }
        events += parser.feed(lsp("[2]"))
        XCTAssertEqual(events.last, message("[2]"))
        XCTAssertEqual(events.count, 2)
    }

    func testOverlongHeaderLine() {
        var parser = FrameParser(framing: .lsp)
        let input = Array(("X-Junk: " + String(repeating: "a", count: 20_000) + "\r\n\r\n").utf8) + lsp("[2]")
        let events = parser.feed(input)
        guard case .error(.malformedHeader)? = events.first else { return XCTFail("\(events)") }
        XCTAssertEqual(events.last, message("[2]"))
        XCTAssertEqual(events.count, 2)
    }

    func testGarbageBeforeAHeaderResynchronises() {
        var parser = FrameParser(framing: .lsp)
        let input = Array("{\"not\": \"framed\"}\n".utf8) + lsp("[2]")
        let events = parser.feed(input)
        XCTAssertEqual(events.count, 2)
        XCTAssertEqual(events.last, message("[2]"))
    }

    func testTruncatedBodyAtEndOfInput() {
        var parser = FrameParser(framing: .lsp)
        _ = parser.feed(Array("Content-Length: 10\r\n\r\n[1,".utf8))
        XCTAssertEqual(parser.finish(), [.error(.truncatedMessage(expected: 10, received: 3))])
    }

    func testZeroLengthBodyIsDeliveredEmpty() {
        var parser = FrameParser(framing: .lsp)
        XCTAssertEqual(parser.feed(Array("Content-Length: 0\r\n\r\n".utf8)), [.message([])])
    }

    // MARK: Newline-delimited framing

    func testNDJSONLinesWithLFAndCRLFAndBlankLines() {
        var parser = FrameParser(framing: .ndjson)
        let input = "[1]\n\r\n  \n[2]\r\n{\"t\":\"😀你\"}\n"
        XCTAssertEqual(feedBytewise(&parser, Array(input.utf8)), [message("[1]"), message("[2]"), message("{\"t\":\"😀你\"}")])
    }

    func testNDJSONLastLineWithoutNewline() {
        var parser = FrameParser(framing: .ndjson)
        XCTAssertEqual(parser.feed(Array("[1]\n[2]".utf8)), [message("[1]")])
        XCTAssertEqual(parser.finish(), [message("[2]")])
    }

    /// Found by the framing fuzzer: a last line one byte over the cap, with no newline, passed.
    func testNDJSONLastLineOverTheCapIsAnError() {
        var parser = FrameParser(framing: .ndjson, maxMessageBytes: 5)
        XCTAssertEqual(parser.feed(Array("[123]\n[1234]".utf8)), [message("[123]")])
        XCTAssertEqual(parser.finish(), [.error(.messageTooLarge(length: 6, limit: 5))])
        var exact = FrameParser(framing: .ndjson, maxMessageBytes: 5)
        XCTAssertEqual(exact.feed(Array("[123]".utf8)), [])
        XCTAssertEqual(exact.finish(), [message("[123]")])
    }

    func testNDJSONOversizeLineIsCutOffAsItGrows() {
        var parser = FrameParser(framing: .ndjson, maxMessageBytes: 16)
        var events: [FrameEvent] = []
        for chunk in Array(String(repeating: "y", count: 1000).utf8).chunked(into: 10) {
            events += parser.feed(chunk)
            XCTAssertLessThanOrEqual(parser.bufferedByteCount, 27)
        }
        events += parser.feed(Array("zzz\n[2]\n".utf8))
        XCTAssertEqual(events, [.error(.messageTooLarge(length: nil, limit: 16)), message("[2]")])
    }

    func testNDJSONLineExactlyAtTheCapIsAccepted() {
        var parser = FrameParser(framing: .ndjson, maxMessageBytes: 5)
        XCTAssertEqual(parser.feed(Array("[123]\r\n[1234]\n".utf8)), [message("[123]"), .error(.messageTooLarge(length: 6, limit: 5))])
    }

    /// The cap counts UTF-8 bytes, not characters, also when a line arrives one byte at a time.
    func testNDJSONCapCountsBytesOfMultibyteTextFedBytewise() {
        let line = #"["😀你"]"#  // 4 + 3 multibyte bytes: 11 bytes, 5 characters
        XCTAssertEqual(line.utf8.count, 11)
        var atCap = FrameParser(framing: .ndjson, maxMessageBytes: 11)
        XCTAssertEqual(feedBytewise(&atCap, Array((line + "\n" + line + "\n").utf8)), [message(line), message(line)])
        var underCap = FrameParser(framing: .ndjson, maxMessageBytes: 10)
        XCTAssertEqual(
            feedBytewise(&underCap, Array((line + "\n[1]\n").utf8)),
            [.error(.messageTooLarge(length: 11, limit: 10)), message("[1]")])
    }

    // MARK: Auto detection

    func testAutoPicksFramingFromFirstNonWhitespaceByte() {
        var ndjson = FrameParser(framing: .auto)
        XCTAssertNil(ndjson.mode)
        XCTAssertEqual(ndjson.feed(Array(" \r\n\t{\"a\":1}\n".utf8)), [message("{\"a\":1}")])
        XCTAssertEqual(ndjson.mode, .ndjson)

        var batch = FrameParser(framing: .auto)
        XCTAssertEqual(batch.feed(Array("[1]\n".utf8)), [message("[1]")])
        XCTAssertEqual(batch.mode, .ndjson)

        var garbage = FrameParser(framing: .auto)
        XCTAssertEqual(garbage.feed(Array("5\nnot json\n".utf8)), [message("5"), message("not json")])
        XCTAssertEqual(garbage.mode, .ndjson)

        var lowercaseHeader = FrameParser(framing: .auto)
        XCTAssertEqual(lowercaseHeader.feed(Array("content-length: 3\r\n\r\n[1]".utf8)), [message("[1]")])
        XCTAssertEqual(lowercaseHeader.mode, .lsp)

        var lspParser = FrameParser(framing: .auto)
        XCTAssertEqual(feedBytewise(&lspParser, Array("\r\n".utf8) + lsp("[1]")), [message("[1]")])
        XCTAssertEqual(lspParser.mode, .lsp)
    }

    func testEncoderWritesExactHeaderAndNewline() {
        XCTAssertEqual(FrameEncoder.encode(Array("[1]".utf8), mode: .lsp), Array("Content-Length: 3\r\n\r\n[1]".utf8))
        XCTAssertEqual(FrameEncoder.encode(Array("[1]".utf8), mode: .ndjson), Array("[1]\n".utf8))
    }
}

extension Array {
    func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
