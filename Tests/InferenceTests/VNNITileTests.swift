import XCTest
@testable import Inference
#if arch(x86_64)
import InferenceVNNI
#endif

/// InferenceVNNI's prompt tiles (Q5_0 in both block layouts, Q8_0) must give exactly the
/// AVX2 tiles' floats: tile against tile, and whole matmuls with the VNNI copy of the
/// activations on and off, on random blocks and on rows of the Qwen2.5-Coder file, at
/// every token count that leaves a different mix of 16-, 8-, 4- and 1-token tiles.
/// On a CPU without VNNI the dispatch must keep the AVX2 tiles.
final class VNNITileTests: XCTestCase {
    private static let tokenCounts = [8, 9, 12, 15, 16, 17, 24, 31, 32, 45, 64]

    private struct Case {
        let label: String
        let type: GGMLType
        let packed: Bool
        let bytes: [UInt8]
        let rows: Int
        let cols: Int
    }

    /// Random blocks with valid Float16 scales, and the file's rows (Q5_0 ffn_up, Q8_0 attn_v).
    private static func cases() throws -> [Case] {
        var cases: [Case] = []
        for (i, type) in [GGMLType.q5_0, .q8_0].enumerated() {
            let layout = type.blockLayout!
            let rows = 37, cols = 512
            var g = KernelTestGenerator(state: UInt64(101 + i))
            var bytes = (0..<rows * cols / 32 * layout.bytes).map { _ in g.byte() }
            for b in 0..<bytes.count / layout.bytes { (bytes[layout.bytes * b], bytes[layout.bytes * b + 1]) = g.halfBits() }
            cases.append(Case(label: "random \(type.name)", type: type, packed: false, bytes: bytes, rows: rows, cols: cols))
        }
        guard let path = QwenTestModel.path else { throw QwenTestModel.ModelMissing() }
        let file = try GGUFFile(path: path)
        for (name, type) in [("blk.0.ffn_up.weight", GGMLType.q5_0), ("blk.0.attn_v.weight", .q8_0)] {
            let info = try file.requireTensor(name)
            XCTAssertEqual(info.type, type)
            let cols = info.dims[0], rows = 40
            let m = try WeightMatrix(file, name, cols: cols, rows: info.dims[1])
            let bytes = Array(UnsafeBufferPointer(start: m.data, count: rows * m.rowBytes))
            cases.append(Case(label: "file \(name)", type: type, packed: false, bytes: bytes, rows: rows, cols: cols))
        }
        return cases + cases.filter { $0.type == .q5_0 }.map { Case(label: "packed " + $0.label, type: $0.type, packed: true, bytes: $0.bytes, rows: $0.rows, cols: $0.cols) }
    }

    private static func activations(tokens: Int, cols: Int, seed: UInt64) -> [Float] {
        var g = KernelTestGenerator(state: seed)
        return (0..<tokens * cols).map { _ in g.activation() }
    }

    private func withMatrix<R>(_ c: Case, _ body: (WeightMatrix) throws -> R) throws -> R {
        var bytes = c.bytes
        return try bytes.withUnsafeMutableBufferPointer { wp in
            var m = WeightMatrix(name: c.label, type: c.type, data: wp.baseAddress!, rows: c.rows, cols: c.cols)
            if c.packed { m = try m.packedForMatmul() }
            XCTAssertEqual(m.packed, c.packed)
            return try body(m)
        }
    }

    func testWithoutVNNITheAVX2TilesRun() {
        let input = Activations(capacityRows: 16, maxCols: 64)
        XCTAssertEqual(input.useVNNI, CPUFeatures.useVNNI)
        XCTAssertEqual(CPUFeatures.useVNNI, CPUFeatures.hasVNNI && ProcessInfo.processInfo.environment["ASSISTD_KERNELS"] != "avx2")
        let x = [Float](repeating: 0.5, count: 16 * 64)
        x.withUnsafeBufferPointer { xp in
            input.set(xp.baseAddress!, rows: 16, cols: 64)
            input.prepare(for: .q5_0)
        }
        if CPUFeatures.useVNNI {
            XCTAssertNotNil(input.preparedBytesVNNI)
        } else {
            XCTAssertNil(input.preparedBytesVNNI, "without VNNI (or with ASSISTD_KERNELS=avx2) the prompt must take the AVX2 tiles")
        }
        let plain = Activations(capacityRows: 16, maxCols: 64, useVNNI: false)
        x.withUnsafeBufferPointer { xp in
            plain.set(xp.baseAddress!, rows: 16, cols: 64)
            plain.prepare(for: .q8_0)
        }
        XCTAssertNil(plain.preparedBytesVNNI)
    }

    /// Matmul.run with the VNNI copy against the same without it, every token count.
    func testWholeMatmulsEqualTheAVX2Ones() throws {
        guard CPUFeatures.hasVNNI else {
            XCTAssertFalse(CPUFeatures.useVNNI, "no VNNI on this CPU, so the AVX2 tiles must be chosen")
            return
        }
        let pool = WorkerPool(threads: 2)
        defer { pool.shutdown() }
        for c in try Self.cases() {
            let scratch = [MatmulScratch(maxCols: c.cols), MatmulScratch(maxCols: c.cols)]
            try withMatrix(c) { m in
                for tokens in Self.tokenCounts {
                    let x = Self.activations(tokens: tokens, cols: c.cols, seed: UInt64(tokens) &* 31 &+ UInt64(c.rows))
                    var results: [[Float]] = []
                    for useVNNI in [true, false] {
                        let input = Activations(capacityRows: tokens, maxCols: c.cols, useVNNI: useVNNI)
                        var out = [Float](repeating: .nan, count: tokens * c.rows)
                        x.withUnsafeBufferPointer { xp in
                            out.withUnsafeMutableBufferPointer { op in
                                input.set(xp.baseAddress!, rows: tokens, cols: c.cols)
                                Matmul.run([MatmulTarget(weight: m, out: op.baseAddress!, outStride: c.rows)], input, pool: pool, scratch: scratch)
                            }
                        }
                        XCTAssertEqual(input.preparedBytesVNNI != nil, useVNNI)
                        results.append(out)
                    }
                    XCTAssertFalse(results[1].contains { $0.isNaN }, "\(c.label), \(tokens) tokens")
                    let mismatches = (0..<tokens * c.rows).filter { results[0][$0].bitPattern != results[1][$0].bitPattern }
                    XCTAssertEqual(mismatches.count, 0, "\(c.label), \(tokens) tokens: first at token \(mismatches.first.map { $0 / c.rows } ?? -1) row \(mismatches.first.map { $0 % c.rows } ?? -1)")
                }
            }
        }
    }

    /// One VNNI tile (16 and 8 tokens) against the AVX2 8-token tiles of the same rows and tokens.
    func testTilesEqualTheAVX2Tiles() throws {
        guard CPUFeatures.hasVNNI else {
            XCTAssertFalse(CPUFeatures.useVNNI, "no VNNI on this CPU, so the AVX2 tiles must be chosen")
            return
        }
        #if arch(x86_64)
        for c in try Self.cases() {
            try withMatrix(c) { m in
                let tokens = 24, nb = c.cols / 32
                let x = Self.activations(tokens: tokens, cols: c.cols, seed: UInt64(c.rows) &+ 7)
                let input = Activations(capacityRows: tokens, maxCols: c.cols, useVNNI: true)
                let scales = UnsafeMutablePointer<Float>.allocate(capacity: 16 * nb)
                let lanes = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 16)
                defer { scales.deallocate(); lanes.deallocate() }
                x.withUnsafeBufferPointer { xp in
                    input.set(xp.baseAddress!, rows: tokens, cols: c.cols)
                    input.prepare(for: c.type)
                }
                let bytes = try XCTUnwrap(input.preparedBytesVNNI)
                for r in 0..<c.rows {
                    let row = m.data + r * m.rowBytes
                    // AVX2: tokens 0..<24 in 8-token tiles.
                    var expected: [Float] = []
                    for k in stride(from: 0, to: tokens, by: 8) {
                        let v: SIMD8<Float> = switch (c.type, c.packed) {
                        case (.q8_0, _): Kernels.dotQ8_0x8Tokens(row, input.even + 16 * k, input.odd + 16 * k, input.d + k, tokens, nb, scales)
                        case (_, true): Q5_0Kernel.dot8Tokens(row, input.even + 16 * k, input.odd + 16 * k, input.d + k, tokens, nb, scales, layout: PackedQ5_0.self)
                        default: Q5_0Kernel.dot8Tokens(row, input.even + 16 * k, input.odd + 16 * k, input.d + k, tokens, nb, scales, layout: GGMLQ5_0.self)
                        }
                        expected += (0..<8).map { v[$0] }
                    }
                    // VNNI: a 16-token tile, then an 8-token one.
                    var got: [Float] = []
                    for (k, width) in [(0, 16), (16, 8)] {
                        if c.type == .q8_0 {
                            Q8_0VNNI.dotTokens(width, row: row, x: bytes + 32 * k, xd: input.d + k, stride: tokens, blocks: nb, scales: scales, out: lanes)
                        } else {
                            Q5_0VNNI.dotTokens(width, row: row, packed: c.packed, x: bytes + 32 * k, xd: input.d + k, stride: tokens, blocks: nb,
                                               scales: scales, out: lanes)
                        }
                        got += (0..<width).map { GGMLNumerics.hsum8(lanes[$0]) }
                    }
                    XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "\(c.label), row \(r)")
                }
            }
        }
        #endif
    }
}
