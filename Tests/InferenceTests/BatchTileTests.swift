import XCTest
@testable import Inference

/// A prompt batch runs tiles (one weight row against eight or four tokens at a time,
/// then single tokens for the tail); every token must get exactly the value the
/// one-token path gives it, for every weight type, on random blocks and on rows of
/// the Qwen2.5-Coder file, at token counts that leave every kind of tail.
final class BatchTileTests: XCTestCase {
    private static let tokenCounts = [2, 3, 5, 8, 9, 12, 15, 16, 19, 32]

    /// Random blocks of `type` with valid Float16 scales where the format keeps them.
    static func randomRows(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) -> [UInt8] {
        let layout = type.blockLayout!
        var g = KernelTestGenerator(state: seed)
        var bytes = (0..<rows * cols / layout.elements * layout.bytes).map { _ in g.byte() }
        let halfOffsets: [Int] = switch type {
        case .q4_K: [0, 2]
        case .q6_K: [208]
        default: [0]
        }
        for b in 0..<bytes.count / layout.bytes {
            for offset in halfOffsets {
                (bytes[layout.bytes * b + offset], bytes[layout.bytes * b + offset + 1]) = g.halfBits()
            }
        }
        return bytes
    }

    /// `rows` rows cycled from the fixture's real rows (so there are enough for several chunks).
    static func realRows(_ f: QuantFixture, rows: Int) -> [UInt8] {
        let real = f.realRowBytes
        return (0..<rows).flatMap { r in real[f.rowBytes * (r % f.realRows)..<f.rowBytes * (r % f.realRows + 1)] }
    }

    private func assertBatchEqualsOneToken(_ type: GGMLType, packed: Bool, weights: [UInt8], rows: Int, cols: Int,
                                           _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let pool = WorkerPool(threads: 2)
        defer { pool.shutdown() }
        let scratch = [MatmulScratch(maxCols: cols), MatmulScratch(maxCols: cols)]
        var weights = weights
        try weights.withUnsafeMutableBufferPointer { wp in
            var m = WeightMatrix(name: label, type: type, data: wp.baseAddress!, rows: rows, cols: cols)
            if packed { m = try m.packedForMatmul() }
            XCTAssertEqual(m.packed, packed)
            for tokens in Self.tokenCounts {
                var g = KernelTestGenerator(state: UInt64(tokens) &* 7919 &+ UInt64(rows))
                let x = (0..<tokens * cols).map { _ in g.activation() }
                let input = Activations(capacityRows: tokens, maxCols: cols)
                var batch = [Float](repeating: .nan, count: tokens * rows)
                var single = batch
                x.withUnsafeBufferPointer { xp in
                    batch.withUnsafeMutableBufferPointer { op in
                        input.set(xp.baseAddress!, rows: tokens, cols: cols)
                        Matmul.run([MatmulTarget(weight: m, out: op.baseAddress!, outStride: rows)], input, pool: pool, scratch: scratch)
                    }
                    single.withUnsafeMutableBufferPointer { op in
                        for t in 0..<tokens {
                            input.set(xp.baseAddress! + t * cols, rows: 1, cols: cols)
                            Matmul.run([MatmulTarget(weight: m, out: op.baseAddress! + t * rows, outStride: rows)], input, pool: pool, scratch: scratch)
                        }
                    }
                }
                XCTAssertFalse(single.contains { $0.isNaN }, "\(label): \(tokens) tokens", file: file, line: line)
                let mismatches = (0..<tokens * rows).filter { batch[$0].bitPattern != single[$0].bitPattern }
                XCTAssertEqual(mismatches.count, 0, "\(label), \(tokens) tokens: first at token \(mismatches.first.map { $0 / rows } ?? -1) row \(mismatches.first.map { $0 % rows } ?? -1)",
                               file: file, line: line)
            }
        }
    }

    func testEveryTypeOnRandomBlocks() throws {
        let rows = 37, cols = 512
        for (i, type) in [GGMLType.q5_0, .q8_0, .q4_K, .q6_K].enumerated() {
            let weights = Self.randomRows(type, rows: rows, cols: cols, seed: UInt64(i + 1))
            try assertBatchEqualsOneToken(type, packed: false, weights: weights, rows: rows, cols: cols, "random \(type.name)")
            if type == .q5_0 {
                try assertBatchEqualsOneToken(type, packed: true, weights: weights, rows: rows, cols: cols, "random packed Q5_0")
            }
        }
    }

    func testEveryTypeOnTheFilesRows() throws {
        for type in [GGMLType.q5_0, .q4_K, .q6_K] {
            let f = try QuantFixture(type)
            let rows = 21
            let weights = Self.realRows(f, rows: rows)
            try assertBatchEqualsOneToken(type, packed: false, weights: weights, rows: rows, cols: f.rowLength, "file \(type.name)")
            if type == .q5_0 {
                try assertBatchEqualsOneToken(type, packed: true, weights: weights, rows: rows, cols: f.rowLength, "file packed Q5_0")
            }
        }
    }
}
