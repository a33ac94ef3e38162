import XCTest
@testable import Inference

/// The Q4_K/Q6_K prompt tiles on AVX-512 VNNI (InferenceVNNI) give exactly the AVX2
/// tiles' floats: whole matmuls with the VNNI kernels on and off, on random blocks and
/// on rows of the Qwen2.5-Coder file, at every batch size that reaches the eight-token
/// tiles (with and without tails). On a CPU without VNNI the AVX2 tiles must be chosen.
final class KQuantVNNITests: XCTestCase {
    private static let tokenCounts = [8, 9, 12, 15, 16, 19, 24, 32, 64]

    private func assertVNNIEqualsAVX2(_ type: GGMLType, weights: [UInt8], rows: Int, cols: Int, _ label: String,
                                      file: StaticString = #filePath, line: UInt = #line) {
        let pool = WorkerPool(threads: 2)
        defer { pool.shutdown() }
        let scratch = [MatmulScratch(maxCols: cols), MatmulScratch(maxCols: cols)]
        var weights = weights
        weights.withUnsafeMutableBufferPointer { wp in
            let m = WeightMatrix(name: label, type: type, data: wp.baseAddress!, rows: rows, cols: cols)
            for tokens in Self.tokenCounts {
                var g = KernelTestGenerator(state: UInt64(tokens) &* 104_729 &+ UInt64(rows))
                let x = (0..<tokens * cols).map { _ in g.activation() }
                func product(vnni: Bool) -> [Float] {
                    let input = Activations(capacityRows: tokens, maxCols: cols, useVNNI: vnni)
                    var out = [Float](repeating: .nan, count: tokens * rows)
                    x.withUnsafeBufferPointer { xp in
                        out.withUnsafeMutableBufferPointer { op in
                            input.set(xp.baseAddress!, rows: tokens, cols: cols)
                            Matmul.run([MatmulTarget(weight: m, out: op.baseAddress!, outStride: rows)], input, pool: pool, scratch: scratch)
                        }
                    }
                    // The VNNI byte copy is there exactly when the CPU can run the VNNI tiles.
                    XCTAssertEqual(ActivationView(input).bytesK != nil, vnni && CPUFeatures.hasVNNI, "\(label): \(tokens) tokens", file: file, line: line)
                    return out
                }
                let avx2 = product(vnni: false), vnni = product(vnni: true)
                XCTAssertFalse(avx2.contains { $0.isNaN }, "\(label): \(tokens) tokens", file: file, line: line)
                let mismatches = (0..<tokens * rows).filter { avx2[$0].bitPattern != vnni[$0].bitPattern }
                XCTAssertEqual(mismatches.count, 0, "\(label), \(tokens) tokens: first at token \(mismatches.first.map { $0 / rows } ?? -1) row \(mismatches.first.map { $0 % rows } ?? -1)",
                               file: file, line: line)
            }
        }
    }

    func testDispatchFollowsTheCPU() {
        #if arch(x86_64) && os(Linux)
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let words = Set(flags.split(separator: " ").map(String.init))
        XCTAssertEqual(CPUFeatures.hasVNNI, CPUFeatures.vnniFlags.allSatisfy(words.contains))
        #else
        XCTAssertFalse(CPUFeatures.hasVNNI)
        #endif
        let input = Activations(capacityRows: 8, maxCols: 256, useVNNI: true)
        XCTAssertEqual(input.bytesK != nil, CPUFeatures.hasVNNI)
        XCTAssertNil(Activations(capacityRows: 8, maxCols: 256, useVNNI: false).bytesK)
    }

    func testRandomBlocks() {
        let rows = 37, cols = 768
        for (i, type) in [GGMLType.q4_K, .q6_K].enumerated() {
            let weights = BatchTileTests.randomRows(type, rows: rows, cols: cols, seed: UInt64(101 + i))
            assertVNNIEqualsAVX2(type, weights: weights, rows: rows, cols: cols, "random \(type.name)")
        }
    }

    func testTheFilesRows() throws {
        for type in [GGMLType.q4_K, .q6_K] {
            let f = try QuantFixture(type)
            let rows = 21
            assertVNNIEqualsAVX2(type, weights: BatchTileTests.realRows(f, rows: rows), rows: rows, cols: f.rowLength, "file \(type.name)")
        }
    }
}
