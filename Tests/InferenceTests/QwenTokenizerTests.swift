import XCTest
@testable import Inference

/// Qwen2.5's byte-level BPE (pre-tokenizer `qwen2`) against llama.cpp's own tokenisation, from
/// Fixtures/qwen_tokenizer.json (written by make_qwen_tokenizer_fixture.py with xllamacpp).
final class QwenTokenizerTests: XCTestCase {
    func cases() throws -> [(text: String, special: Bool, ids: [Int32])] {
        let fixture = try XCTUnwrap(TestModel.fixture("qwen_tokenizer.json") as? [String: Any])
        return try XCTUnwrap(fixture["cases"] as? [[String: Any]]).map { c in
            (try XCTUnwrap(c["text"] as? String), try XCTUnwrap(c["special"] as? Bool), try XCTUnwrap(c["ids"] as? [Int]).map(Int32.init))
        }
    }

    func testMatchesLlamaCppOnTheMultilingualCorpus() throws {
        let tokenizer = try QwenVocabulary.tokenizer()
        let cases = try cases()
        XCTAssertGreaterThan(cases.filter { !$0.special }.count, 200)
        XCTAssertEqual(cases.filter(\.special).count, cases.filter { !$0.special }.count)
        for c in cases {
            XCTAssertEqual(tokenizer.encode(c.text, parseSpecial: c.special), c.ids, "text \(c.text.debugDescription) special=\(c.special)")
        }
    }

    func testDecodingGivesTheTextBack() throws {
        let tokenizer = try QwenVocabulary.tokenizer()
        XCTAssertEqual(tokenizer.unrepresentableBytes, [], "every byte has a token")
        for c in try cases() {
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(c.text, parseSpecial: c.special), renderSpecial: true), Array(c.text.utf8),
                           "round trip of \(c.text.debugDescription) special=\(c.special)")
        }
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            var s = ""
            for _ in 0..<Int(rng.next() % 40) {
                if let scalar = Unicode.Scalar(UInt32(rng.next() % 0x10FFFF)) { s.unicodeScalars.append(scalar) }
                if rng.next() % 4 == 0 { s += ["  ", "\n", "'S", "7", "中", "<|im_end|>", "<tool_call>"][Int(rng.next() % 7)] }
            }
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(s), renderSpecial: true), Array(s.utf8), "round trip of \(s.debugDescription)")
        }
    }

    func testVocabularyAndSpecialTokens() throws {
        let tokenizer = try QwenVocabulary.tokenizer()
        XCTAssertEqual(tokenizer.vocabularySize, 151_936)
        XCTAssertEqual(tokenizer.preTokenization, .qwen2)
        XCTAssertFalse(tokenizer.addsBOS, "Qwen's GGUF says add_bos_token = false")
        XCTAssertEqual(tokenizer.encode("Hi"), [13048], "no BOS in front")
        XCTAssertEqual(tokenizer.eosID, 151_645)
        for (text, id) in [("<|endoftext|>", 151_643), ("<|im_start|>", 151_644), ("<|im_end|>", 151_645), ("<|fim_prefix|>", 151_659),
                           ("<|file_sep|>", 151_664)] as [(String, Int32)] {
            XCTAssertEqual(tokenizer.encode(text, parseSpecial: true), [id], text)
            XCTAssertNotEqual(tokenizer.encode(text), [id], "\(text) is text unless specials are parsed")
            XCTAssertTrue(tokenizer.isControl(id), text)
            XCTAssertEqual(tokenizer.decode([id]), [], "\(text) is not rendered unless asked")
        }
        // User-defined tokens are single ids even in plain text (llama.cpp does the same) and render as text.
        XCTAssertEqual(tokenizer.encode("<tool_call>x</tool_call>"), [151_657, 87, 151_658])
        XCTAssertEqual(tokenizer.decode([151_657]), Array("<tool_call>".utf8))
        // `</s>` is an ordinary token in the file; llama.cpp makes it a control token (an end-of-generation spelling).
        XCTAssertEqual(tokenizer.kinds[128_247], .control)
        XCTAssertEqual(tokenizer.encode("</s>", parseSpecial: true), [128_247])
        XCTAssertEqual(tokenizer.encode("2024"), [17, 15, 17, 19], "digits one by one")
    }

    func testTheSmolLM2VocabularyKeepsItsOwnRules() throws {
        XCTAssertEqual(try TestModel.model().tokenizer.preTokenization, .smollm)
    }
}

/// The special-token cut, llama.cpp's way: the longer special first, wherever it starts.
final class SpecialTokenPartitionTests: XCTestCase {
    func testLongerSpecialsAreCutFirstEverywhere() {
        let specials: [SpecialTokenPartition.Special] = [
            .init(bytes: Array("bcd".utf8), id: 2, alwaysParsed: false), .init(bytes: Array("ab".utf8), id: 1, alwaysParsed: false),
        ]
        XCTAssertEqual(SpecialTokenPartition.split(Array("abcd".utf8), specials: specials), [.text(0..<1), .token(2)])
        XCTAssertEqual(SpecialTokenPartition.split(Array("abab bcdab".utf8), specials: specials),
                       [.token(1), .token(1), .text(4..<5), .token(2), .token(1)])
        XCTAssertEqual(SpecialTokenPartition.split([], specials: specials), [])
        XCTAssertEqual(SpecialTokenPartition.split(Array("xyz".utf8), specials: specials), [.text(0..<3)])
    }
}
