import Foundation
import XCTest
@testable import Inference

final class GGUFReaderTests: XCTestCase {
    func testRealFileLayout() throws {
        let f = try TestModel.gguf()
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.metadata.count, 33)
        XCTAssertEqual(f.tensors.count, 272)
        XCTAssertEqual(f.alignment, 32)
        XCTAssertEqual(f.dataOffset, 1_785_664)
        XCTAssertEqual(f.fileSize, 98_362_432)
        XCTAssertEqual(f.dataOffset + f.tensors.map { $0.offset + $0.byteCount }.max()!, f.fileSize)
        XCTAssertEqual(try f.string("general.architecture"), "llama")
        XCTAssertEqual(try f.int("llama.block_count"), 30)
        XCTAssertEqual(try f.int("llama.embedding_length"), 576)
        XCTAssertEqual(try f.int("llama.attention.head_count_kv"), 3)
        XCTAssertEqual(try f.double("llama.rope.freq_base"), 100_000)
        XCTAssertEqual(f.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count, 49_152)
        XCTAssertEqual(f.metadata["tokenizer.ggml.merges"]?.arrayValue?.count, 48_900)
        var byType: [GGMLType: Int] = [:]
        for t in f.tensors { byType[t.type, default: 0] += 1 }
        XCTAssertEqual(byType, [.q4_1: 210, .q8_0: 1, .f32: 61])
        let embd = try XCTUnwrap(f.tensor(named: "token_embd.weight"))
        XCTAssertEqual(embd.type, .q8_0)
        XCTAssertEqual(embd.dims, [576, 49_152])
        XCTAssertEqual(embd.byteCount, 30_081_024)
        let gate = try XCTUnwrap(f.tensor(named: "blk.7.ffn_gate.weight"))
        XCTAssertEqual(gate.type, .q4_1)
        XCTAssertEqual(gate.dims, [576, 1536])
        XCTAssertEqual(gate.byteCount, 552_960)
        XCTAssertEqual(f.tensor(named: "blk.29.attn_k.weight")?.dims, [576, 192])
        XCTAssertEqual(f.tensor(named: "output_norm.weight")?.type, .f32)
        XCTAssertNil(f.tensor(named: "output.weight"), "the LM head is tied to the embedding")
        let config = try LlamaConfig(gguf: f)
        XCTAssertEqual(config.headDim, 64)
        XCTAssertEqual(config.kvDim, 192)
        XCTAssertEqual(config.vocabularySize, 49_152)
        XCTAssertEqual(config.rmsEpsilon, 1e-5, accuracy: 1e-12)
    }

    func testBadMagicIsNamed() throws {
        let path = try SyntheticGGUF.write(magic: Array("GGML".utf8))
        XCTAssertThrowsError(try GGUFFile(path: path)) { error in
            XCTAssertEqual(error as? GGUFError, .badMagic(found: Array("GGML".utf8)))
            XCTAssertTrue("\(error)".contains("not a GGUF file"), "\(error)")
        }
    }

    func testUnsupportedTensorTypeIsNamed() throws {
        let path = try SyntheticGGUF.write(tensors: [("blk.0.ffn_down.weight", [256, 2], 10 /* Q2_K */)])
        XCTAssertThrowsError(try GGUFFile(path: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("blk.0.ffn_down.weight") && text.contains("Q2_K"), text)
            // It lists what does load.
            XCTAssertTrue(text.contains("Q4_1, Q5_0, Q8_0, Q4_K, Q6_K"), text)
        }
        let unknown = try SyntheticGGUF.write(tensors: [("x", [32], 250)])
        XCTAssertThrowsError(try GGUFFile(path: unknown)) { error in
            XCTAssertTrue("\(error)".contains("unknown type 250"), "\(error)")
        }
    }

    func testSyntheticFileReadsMetadataAndTensors() throws {
        let path = try SyntheticGGUF.write(tensors: [("a", [32, 2], 8), ("b", [4], 0), ("c", [64], 3), ("d", [8], 1)])
        let f = try GGUFFile(path: path)
        XCTAssertEqual(f.metadata["general.architecture"]?.stringValue, "llama")
        XCTAssertEqual(f.metadata["test.array"]?.arrayValue, [.int(-1), .int(2)])
        XCTAssertEqual(f.metadata["test.float"]?.doubleValue, 0.5)
        XCTAssertEqual(f.tensors.map(\.type), [.q8_0, .f32, .q4_1, .f16])
        XCTAssertEqual(f.tensors.map(\.byteCount), [68, 16, 40, 16])
        XCTAssertEqual(f.dataOffset % 32, 0)
        let b = try XCTUnwrap(f.tensor(named: "b"))
        XCTAssertEqual(Dequantize.row(.f32, f.data(for: b), count: 4), [1, 2, 3, 4])
    }

    func testTruncatedFileIsAnError() throws {
        let path = try SyntheticGGUF.write(tensors: [("a", [32, 2], 8)], truncateBy: 40)
        XCTAssertThrowsError(try GGUFFile(path: path)) { error in
            XCTAssertTrue("\(error)".contains("'a'"), "\(error)")
        }
        let header = try SyntheticGGUF.write(tensors: [], truncateHeaderAt: 12)
        XCTAssertThrowsError(try GGUFFile(path: header)) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
    }

    /// Found by the GGUF fuzzer: a huge offset or shape wrapped around the bounds check (the
    /// reader is built -Ounchecked) and a tensor outside the file was accepted.
    func testTensorWhoseOffsetOrSizeOverflowsIsOutOfBounds() throws {
        let cases: [(dims: [UInt64], offset: UInt64)] = [
            ([4], UInt64(Int.max) - 16),
            ([1 << 39, 1 << 39, 1 << 39, 1 << 39], 0),
            ([1 << 32, 1 << 32], 0),
        ]
        for (dims, offset) in cases {
            var d = Array("GGUF".utf8)
            func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d += $0 } }
            func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { d += $0 } }
            u32(3); u64(1); u64(0)
            u64(1); d += Array("x".utf8)
            u32(UInt32(dims.count)); dims.forEach(u64)
            u32(0 /* F32 */); u64(offset)
            d += [UInt8](repeating: 0, count: 96)
            let path = NSTemporaryDirectory() + "overflow-\(UUID().uuidString).gguf"
            try Data(d).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            XCTAssertThrowsError(try GGUFFile(path: path), "dims \(dims), offset \(offset)") { error in
                XCTAssertEqual(error as? GGUFError, .tensorOutOfBounds(tensor: "x"))
            }
        }
    }

    func testMissingFileIsAnError() {
        XCTAssertThrowsError(try GGUFFile(path: "/nonexistent/model.gguf")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/model.gguf"), "\(error)")
        }
    }

    func testLocatorHonoursExplicitPath() throws {
        let path = try SyntheticGGUF.write(tensors: [])
        XCTAssertEqual(GGUFLocator.find(explicitPath: path), path)
        XCTAssertNil(GGUFLocator.find(explicitPath: "/nonexistent/x.gguf"))
    }
}

/// Writes small GGUF v3 files for reader tests.
enum SyntheticGGUF {
    static func write(magic: [UInt8] = Array("GGUF".utf8), tensors: [(String, [Int], UInt32)] = [],
                      truncateBy: Int = 0, truncateHeaderAt: Int? = nil) throws -> String {
        var d: [UInt8] = magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { d += $0 } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); d += Array(s.utf8) }
        u32(3)
        u64(UInt64(tensors.count))
        u64(3)
        str("general.architecture"); u32(8); str("llama")
        str("test.array"); u32(9); u32(5); u64(2); u32(UInt32(bitPattern: -1)); u32(2)
        str("test.float"); u32(6); withUnsafeBytes(of: Float(0.5).bitPattern.littleEndian) { d += $0 }
        var offset: UInt64 = 0
        var sizes: [Int] = []
        for (name, dims, type) in tensors {
            str(name)
            u32(UInt32(dims.count))
            for x in dims { u64(UInt64(x)) }
            u32(type)
            u64(offset)
            let n = dims.reduce(1, *)
            let size: Int
            switch type {
            case 0: size = 4 * n
            case 1: size = 2 * n
            case 3: size = n / 32 * 20
            case 8: size = n / 32 * 34
            default: size = n
            }
            sizes.append(size)
            offset += UInt64((size + 31) / 32 * 32)
        }
        while d.count % 32 != 0 { d.append(0) }
        for (i, (_, _, type)) in tensors.enumerated() {
            var block = [UInt8](repeating: 0, count: (sizes[i] + 31) / 32 * 32)
            if type == 0 {
                for k in 0..<sizes[i] / 4 { withUnsafeBytes(of: Float(k + 1).bitPattern.littleEndian) { block.replaceSubrange((4 * k)..<(4 * k + 4), with: $0) } }
            }
            d += block
        }
        if let cut = truncateHeaderAt { d = Array(d.prefix(cut)) }
        d.removeLast(min(truncateBy, d.count))
        let path = NSTemporaryDirectory() + "synthetic-\(UUID().uuidString).gguf"
        try Data(d).write(to: URL(fileURLWithPath: path))
        return path
    }
}
