import Foundation
import XCTest
@testable import Inference

/// CausalAttention (keys transposed, values in lane order, scores 16 positions at a
/// time) against the plain per-(token, head) loop it replaced, which restates
/// llama.cpp's float order: the outputs must be equal bit for bit.
final class CausalAttentionTests: XCTestCase {
    func testBatchesEqualThePlainLoopBitForBit() {
        // Odd sizes: positions not a multiple of 16 (or of 64), one- and two-token batches, a batch after a cached prefix.
        for (p0, n) in [(0, 2), (0, 3), (0, 17), (5, 32), (15, 2), (16, 16), (47, 9), (100, 33), (250, 7)] {
            check(heads: 14, kvHeads: 2, position: p0, tokens: n)
        }
        check(heads: 4, kvHeads: 4, position: 3, tokens: 5)
        check(heads: 6, kvHeads: 1, position: 64, tokens: 31)
    }

    func testSingleTokensEqualThePlainLoopBitForBit() {
        for p0 in [0, 1, 15, 16, 63, 64, 65, 130, 300] {
            check(heads: 14, kvHeads: 2, position: p0, tokens: 1)
        }
    }

    private func check(heads: Int, kvHeads: Int, position p0: Int, tokens n: Int, file: StaticString = #filePath, line: UInt = #line) {
        let e = heads * 64, kvDim = kvHeads * 64
        let positions = p0 + n
        var random = SeededGenerator(seed: UInt64(heads * 1_000_003 + p0 * 1_009 + n))
        // Large-ish spreads so the softmax is far from uniform and rounding matters.
        let keys = (0..<positions * kvDim).map { _ in Float16(random.uniform(-3, 3)) }
        let values = (0..<positions * kvDim).map { _ in Float16(random.uniform(-2, 2)) }
        let q = (0..<n * e).map { _ in random.uniform(-4, 4) }
        let expected = plainAttention(q: q, keys: keys, values: values, heads: heads, kvHeads: kvHeads, position: p0, tokens: n)

        let pool = WorkerPool(threads: 2)
        defer { pool.shutdown() }
        let keyStride = CausalAttention.keyStride(positions: positions)
        let keyCache = UnsafeMutablePointer<Float16>.allocate(capacity: keyStride * kvDim)
        let widenedKeys = UnsafeMutablePointer<Float>.allocate(capacity: keyStride * kvDim)
        let widenedValues = UnsafeMutablePointer<Float>.allocate(capacity: CausalAttention.widenedValueCount(kvHeads: kvHeads, positions: positions))
        let scratch = (0..<pool.threadCount).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: CausalAttention.scratchCount(positions: positions)) }
        defer {
            keyCache.deallocate()
            widenedKeys.deallocate()
            widenedValues.deallocate()
            scratch.forEach { $0.deallocate() }
        }
        var out = [Float](repeating: .nan, count: n * e)
        // The cache as LlamaRunner fills it: the prefix, then the batch.
        let keyFloats = keys.map(Float.init)
        keyFloats.withUnsafeBufferPointer { k in
            CausalAttention.storeKeys(k.baseAddress!, tokens: p0, kvDim: kvDim, position: 0, stride: keyStride, into: keyCache)
            CausalAttention.storeKeys(k.baseAddress! + p0 * kvDim, tokens: n, kvDim: kvDim, position: p0, stride: keyStride, into: keyCache)
        }
        CausalAttention.widenKeys(keyCache, kvDim: kvDim, count: positions, stride: keyStride, into: widenedKeys)
        values.withUnsafeBufferPointer { v in
            CausalAttention.widenValuesByLane(v.baseAddress!, kvHeads: kvHeads, count: positions,
                                              width: CausalAttention.laneWidth(tokens: n), into: widenedValues)
        }
        q.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { o in
                scratch.withUnsafeBufferPointer { s in
                    CausalAttention(headCount: heads, kvHeadCount: kvHeads)
                        .run(q: qp.baseAddress!, keys: widenedKeys, keyStride: keyStride, values: widenedValues,
                             tokens: n, position: p0, out: o.baseAddress!, pool: pool, scratch: s)
                }
            }
        }
        let mismatch = out.indices.first { out[$0].bitPattern != expected[$0].bitPattern }
        XCTAssertNil(mismatch, "heads \(heads)/\(kvHeads), position \(p0), tokens \(n): element \(mismatch ?? 0) is \(mismatch.map { out[$0] } ?? 0), expected \(mismatch.map { expected[$0] } ?? 0)", file: file, line: line)
    }

    /// The attention loop as LlamaRunner had it: one (token, head) pair at a time,
    /// each cached row converted where it is read.
    private func plainAttention(q: [Float], keys: [Float16], values: [Float16], heads: Int, kvHeads: Int,
                                position p0: Int, tokens n: Int) -> [Float] {
        let e = heads * 64, kvDim = kvHeads * 64, group = heads / kvHeads
        let batched = n > 1
        var out = [Float](repeating: 0, count: n * e)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: p0 + n + 16)
        let qh = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        let row = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        let lanes = UnsafeMutablePointer<Float>.allocate(capacity: 64 * 64)
        defer { scores.deallocate(); qh.deallocate(); row.deallocate(); lanes.deallocate() }
        keys.withUnsafeBufferPointer { keys in
            values.withUnsafeBufferPointer { values in
                for t in 0..<n {
                    for h in 0..<heads {
                        let kvh = h / group
                        let positions = p0 + t + 1
                        for i in 0..<64 { qh[i] = Float(Float16(q[t * e + h * 64 + i])) }
                        var maxScore = -Float.infinity
                        for j in 0..<positions {
                            GGMLNumerics.widen(keys.baseAddress! + j * kvDim + kvh * 64, row, 64)
                            let dot = batched ? GGMLNumerics.dot64Batched(qh, row) : GGMLNumerics.dot64Single(qh, row)
                            scores[j] = dot * (1 / sqrtf(64))
                            maxScore = max(maxScore, scores[j])
                        }
                        let padded = (positions + 15) / 16 * 16
                        for j in positions..<padded { scores[j] = -.infinity }
                        var chunk = 0
                        while chunk < padded {
                            let v = GGMLNumerics.exp16(GGMLNumerics.load16(scores + chunk) - SIMD16(repeating: maxScore))
                            for i in 0..<16 { scores[chunk + i] = v[i] }
                            chunk += 16
                        }
                        var sum: Double = 0
                        chunk = 0
                        while chunk < padded {
                            sum += Double(GGMLNumerics.reduceAdd16(GGMLNumerics.load16(scores + chunk)))
                            chunk += 16
                        }
                        let inv = Float(1 / sum)
                        for j in 0..<positions { scores[j] = Float(Float16(scores[j] * inv)) }
                        let width = batched ? 16 : 64
                        lanes.initialize(repeating: 0, count: width * 64)
                        for j in 0..<positions {
                            GGMLNumerics.widen(values.baseAddress! + j * kvDim + kvh * 64, row, 64)
                            let lane = lanes + (j % width) * 64
                            for i in 0..<64 { lane[i] = lane[i].addingProduct(scores[j], row[i]) }
                        }
                        if !batched {
                            for m in 0..<16 {
                                for i in 0..<64 {
                                    lanes[m * 64 + i] = (lanes[m * 64 + i] + lanes[(32 + m) * 64 + i]) + (lanes[(16 + m) * 64 + i] + lanes[(48 + m) * 64 + i])
                                }
                            }
                        }
                        for i in 0..<64 {
                            var v = SIMD16<Float>()
                            for m in 0..<16 { v[m] = lanes[m * 64 + i] }
                            out[t * e + h * 64 + i] = GGMLNumerics.reduceAdd16(v)
                        }
                    }
                }
            }
        }
        return out
    }
}

/// Test data from the sampler's own seeded generator.
private extension SeededGenerator {
    mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * Float(next() >> 40) / Float(1 << 24)
    }
}
