import XCTest
@testable import Inference

final class TokenizerTests: XCTestCase {
    func testMatchesLlamaCppOnCorpus() throws {
        let tokenizer = try TestModel.model().tokenizer
        let fixture = try XCTUnwrap(TestModel.fixture("tokenizer.json") as? [String: Any])
        let cases = try XCTUnwrap(fixture["cases"] as? [[String: Any]])
        XCTAssertGreaterThan(cases.count, 40)
        for c in cases {
            let text = try XCTUnwrap(c["text"] as? String)
            let special = try XCTUnwrap(c["special"] as? Bool)
            let expected = try XCTUnwrap(c["ids"] as? [Int]).map(Int32.init)
            XCTAssertEqual(tokenizer.encode(text, parseSpecial: special), expected, "text \(text.debugDescription) special=\(special)")
        }
    }

    func testRoundTripsArbitraryUTF8() throws {
        let tokenizer = try TestModel.model().tokenizer
        // SmolLM2's vocabulary has no token for six C0 control bytes, for bytes that
        // never occur in UTF-8, nor for the lead bytes of the (unassigned) planes 4
        // to 11; llama.cpp drops those bytes too.
        let missing = tokenizer.unrepresentableBytes
        XCTAssertEqual(missing, [4, 6, 19, 20, 22, 29, 0xC0, 0xC1, 0xF1, 0xF2] + Array(0xF5...0xFF))
        var rng = SeededGenerator(seed: 42)
        let pools: [ClosedRange<UInt32>] = [0x00...0x7F, 0x80...0x7FF, 0x800...0xFFFF, 0x3040...0x30FF, 0x4E00...0x9FFF,
                                             0xAC00...0xD7A3, 0x1F300...0x1FAFF, 0x10000...0x10FFFF]
        var checked = 0
        for _ in 0..<400 {
            var s = ""
            let length = Int(rng.next() % 40)
            for _ in 0..<length {
                let pool = pools[Int(rng.next() % UInt64(pools.count))]
                let v = pool.lowerBound + UInt32(rng.next() % UInt64(pool.count))
                guard let scalar = Unicode.Scalar(v) else { continue }
                if String(scalar).utf8.contains(where: missing.contains) { continue }
                s.unicodeScalars.append(scalar)
            }
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(s)), Array(s.utf8), "round trip of \(s.debugDescription)")
            checked += 1
        }
        XCTAssertEqual(checked, 400)
        // What happens to the rest: the unrepresentable bytes alone disappear.
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("a\u{4}b\u{40000}c")), Array("ab".utf8) + [0x80, 0x80, 0x80] + Array("c".utf8))
    }

    func testSpecialTokensOnlyWhenAsked() throws {
        let tokenizer = try TestModel.model().tokenizer
        XCTAssertEqual(tokenizer.encode("<|im_end|>", parseSpecial: true), [2])
        XCTAssertNotEqual(tokenizer.encode("<|im_end|>"), [2])
        XCTAssertEqual(tokenizer.decode([1, 2]), [])
        XCTAssertEqual(tokenizer.decode([1], renderSpecial: true), Array("<|im_start|>".utf8))
    }

    func testStreamingDecoderNeverSplitsCharacters() throws {
        let tokenizer = try TestModel.model().tokenizer
        let text = "Emoji 👨‍👩‍👧‍👦 and 日本語 and عربى and 𝟘𝟙 — done ✅"
        let ids = tokenizer.encode(text)
        // Single tokens here carry partial characters (this is what the test is about).
        XCTAssertTrue(ids.contains { String(validating: tokenizer.bytes(of: $0), as: UTF8.self) == nil })
        var decoder = UTF8StreamDecoder()
        var joined = ""
        for id in ids {
            let delta = decoder.append(tokenizer.bytes(of: id))
            XCTAssertFalse(delta.unicodeScalars.contains("\u{FFFD}"), "delta split a character: \(delta.debugDescription)")
            joined += delta
        }
        joined += decoder.finish()
        XCTAssertEqual(joined, text)
    }

    func testStreamingDecoderHandlesInvalidBytes() {
        var decoder = UTF8StreamDecoder()
        XCTAssertEqual(decoder.append([0xE6, 0x97]), "")
        XCTAssertEqual(decoder.append([0xA5]), "日")
        XCTAssertEqual(decoder.append([0xFF, 0x41]), "\u{FFFD}A")
        XCTAssertEqual(decoder.append([0xF0, 0x9F]), "")
        XCTAssertEqual(decoder.finish(), "\u{FFFD}")
        XCTAssertEqual(decoder.append([0xE0, 0x80]), "\u{FFFD}\u{FFFD}", "an impossible second byte is emitted at once")
    }

    func testChatPromptMatchesLlamaCppTokenization() throws {
        let model = try TestModel.model()
        let fixture = try XCTUnwrap(TestModel.fixture("greedy.json") as? [String: Any])
        for c in try XCTUnwrap(fixture["cases"] as? [[String: Any]]) {
            let messages = try XCTUnwrap(c["messages"] as? [[String]])
            let turns = messages.map { ChatTurn(role: $0[0], content: $0[1]) }
            let expected = try XCTUnwrap(c["prompt_ids"] as? [Int]).map(Int32.init)
            XCTAssertEqual(try model.chatPrompt.tokens(turns: turns, tools: []), expected)
        }
    }
}
