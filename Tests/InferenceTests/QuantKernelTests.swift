import XCTest
@testable import Inference

/// The Q5_0, Q4_K and Q6_K kernels against scalar restatements of llama.cpp's CPU
/// formulas (AVX2: ggml_vec_dot_q5_0_q8_0, ggml_gemv_q4_K_8x8_q8_K — what llama.cpp runs
/// for Q4_K matrices it repacks —, ggml_vec_dot_q6_K_q8_K; quantize_row_q8_K_ref), bit for bit, on rows of the Qwen2.5-Coder Q4_K_M file
/// and random blocks; and the matmul over those rows against the dequantised floats.
final class QuantKernelTests: XCTestCase {
    // MARK: Scalar references, written from llama.cpp's code

    private static func hsum8(_ a: [Float]) -> Float { ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7])) }
    private static func half(_ b: [UInt8], _ at: Int) -> Float { Float(Float16(bitPattern: UInt16(b[at]) | UInt16(b[at + 1]) << 8)) }

    /// quantize_row_q8_K_ref for one 256-element block.
    private static func quantizeQ8_K(_ x: ArraySlice<Float>) -> (d: Float, q: [Int32], bsums: [Int32]) {
        var amax: Float = 0, maxValue: Float = 0
        for v in x where abs(v) > amax { amax = abs(v); maxValue = v }
        if amax == 0 { return (0, Array(repeating: 0, count: 256), Array(repeating: 0, count: 16)) }
        let iscale = -127 / maxValue
        let q = x.map { min(127, Int32((iscale * $0).rounded(.toNearestOrEven))) }
        let bsums = (0..<16).map { j in q[16 * j..<16 * j + 16].reduce(0, +) }
        return (1 / iscale, q, bsums)
    }

    /// The AVX2 loop's float steps over integer quad lanes: acc = fma(d, lane, acc) per block.
    private static func accumulate(_ acc: inout [Float], _ d: Float, _ lanes: [Int32]) {
        for k in 0..<8 { acc[k] = acc[k].addingProduct(d, Float(lanes[k])) }
    }

    private static func q5_0Values(_ blk: ArraySlice<UInt8>) -> [Int32] {
        let b = Array(blk)
        let qh = UInt32(b[2]) | UInt32(b[3]) << 8 | UInt32(b[4]) << 16 | UInt32(b[5]) << 24
        var v = [Int32](repeating: 0, count: 32)
        for j in 0..<16 {
            v[j] = Int32(b[6 + j] & 15 | UInt8((qh >> UInt32(j)) & 1) << 4) - 16
            v[j + 16] = Int32(b[6 + j] >> 4 | UInt8((qh >> UInt32(j + 16)) & 1) << 4) - 16
        }
        return v
    }

    private static func refDotQ5_0(_ row: ArraySlice<UInt8>, _ xq: [Int32], _ xd: [Float]) -> Float {
        var acc = [Float](repeating: 0, count: 8)
        let r = Array(row)
        for b in 0..<r.count / 22 {
            let w = q5_0Values(r[22 * b..<22 * b + 22])
            let lanes = (0..<8).map { k in (0..<4).reduce(Int32(0)) { $0 + w[4 * k + $1] * xq[32 * b + 4 * k + $1] } }
            accumulate(&acc, half(r, 22 * b) * xd[b], lanes)
        }
        return hsum8(acc)
    }

    /// The AVX2 path's scale unpacking (utmp with kmask1..3): 8 scales, then 8 mins.
    private static func q4_KScalesMins(_ s: [UInt8]) -> [Int32] {
        func word(_ i: Int) -> UInt32 { UInt32(s[4 * i]) | UInt32(s[4 * i + 1]) << 8 | UInt32(s[4 * i + 2]) << 16 | UInt32(s[4 * i + 3]) << 24 }
        var u = [word(0), word(1), word(2), 0]
        let kmask1: UInt32 = 0x3f3f3f3f, kmask2: UInt32 = 0x0f0f0f0f, kmask3: UInt32 = 0x03030303
        u[3] = ((u[2] >> 4) & kmask2) | (((u[1] >> 6) & kmask3) << 4)
        let uaux = u[1] & kmask1
        u[1] = (u[2] & kmask2) | (((u[0] >> 6) & kmask3) << 4)
        u[2] = uaux
        u[0] &= kmask1
        return (0..<16).map { Int32((u[$0 / 4] >> UInt32(8 * ($0 % 4))) & 0xFF) }
    }

    /// ggml_gemv_q4_K_8x8_q8_K (AVX2) for one output row: per block the integer totals
    /// Σ scale·q_w·q_x and Σ min·(32-element sums of q_x), one fused multiply-add each.
    private static func refDotQ4_K(_ row: ArraySlice<UInt8>, _ x: [(d: Float, q: [Int32], bsums: [Int32])]) -> Float {
        var acc: Float = 0, accMin: Float = 0
        let r = Array(row)
        for b in 0..<r.count / 144 {
            let blk = Array(r[144 * b..<144 * b + 144]), y = x[b]
            let sm = q4_KScalesMins(Array(blk[4..<16]))
            var total: Int32 = 0, minTotal: Int32 = 0
            for s in 0..<8 {
                var sub: Int32 = 0
                for e in 0..<32 {
                    let byte = blk[16 + 32 * (s / 2) + e]
                    sub += Int32(s % 2 == 0 ? byte & 15 : byte >> 4) * y.q[32 * s + e]
                }
                total += sm[s] * sub
                minTotal += sm[8 + s] * (y.bsums[2 * s] + y.bsums[2 * s + 1])
            }
            acc = acc.addingProduct(Float(total), half(blk, 0) * y.d)
            accMin = accMin.addingProduct(Float(minTotal), half(blk, 2) * y.d)
        }
        return acc - accMin
    }

    private static func refDotQ6_K(_ row: ArraySlice<UInt8>, _ x: [(d: Float, q: [Int32], bsums: [Int32])]) -> Float {
        var acc = [Float](repeating: 0, count: 8)
        let r = Array(row)
        for b in 0..<r.count / 210 {
            let blk = Array(r[210 * b..<210 * b + 210]), y = x[b]
            var lanes = [Int32](repeating: 0, count: 8)
            for n in 0..<2 {
                let ql = 64 * n, qh = 128 + 32 * n
                for l in 0..<32 {
                    // dequantize_row_q6_K's four values at l, l+32, l+64, l+96 of this half.
                    let q = [Int32(blk[ql + l] & 15 | (blk[qh + l] & 3) << 4) - 32,
                             Int32(blk[ql + l + 32] & 15 | (blk[qh + l] >> 2 & 3) << 4) - 32,
                             Int32(blk[ql + l] >> 4 | (blk[qh + l] >> 4 & 3) << 4) - 32,
                             Int32(blk[ql + l + 32] >> 4 | (blk[qh + l] >> 6 & 3) << 4) - 32]
                    for g in 0..<4 {
                        let scale = Int32(Int8(bitPattern: blk[192 + 8 * n + 2 * g + l / 16]))
                        lanes[(l % 32) / 4] += scale * q[g] * y.q[128 * n + 32 * g + l]
                    }
                }
            }
            accumulate(&acc, y.d * half(blk, 208), lanes)
        }
        return hsum8(acc)
    }

    // MARK: Helpers

    /// Activation vectors per row: float-order slips show up only now and then.
    private static let trials = 40

    /// Q8_0 activations through the engine's quantiser, and its values as plain integers.
    private static func q8_0(_ x: [Float]) -> (even: [Int16], odd: [Int16], d: [Float], q: [Int32]) {
        var even = [Int16](repeating: 0, count: x.count / 2), odd = even, d = [Float](repeating: 0, count: x.count / 32)
        Kernels.quantizeRow(x, x.count, &even, &odd, &d, nil)
        let q = (0..<x.count).map { i in Int32((i % 2 == 0 ? even : odd)[16 * (i / 32) + (i % 32) / 2]) }
        return (even, odd, d, q)
    }

    private static func q8_K(_ x: [Float]) -> (even: [Int16], odd: [Int16], d: [Float], sums: [Int32]) {
        var even = [Int16](repeating: 0, count: x.count / 2), odd = even
        var d = [Float](repeating: 0, count: x.count / 256), sums = [Int32](repeating: 0, count: x.count / 32)
        Q8_KActivations.quantizeRow(x, x.count, &even, &odd, &d, &sums)
        return (even, odd, d, sums)
    }

    private static func activations(_ n: Int, seed: UInt64) -> [Float] {
        var g = KernelTestGenerator(state: seed)
        return (0..<n).map { _ in g.activation() }
    }

    /// The fixture's real rows and its random blocks regrouped as rows of `blocksPerRow`.
    private static func rows(_ f: QuantFixture, randomBlocksPerRow: Int) -> [(bytes: ArraySlice<UInt8>, cols: Int)] {
        var out: [(ArraySlice<UInt8>, Int)] = (0..<f.realRows).map { (f.blocks[f.rowBytes * $0..<f.rowBytes * ($0 + 1)], f.rowLength) }
        let start = f.realRows * f.rowBytes, bytes = randomBlocksPerRow * f.layout.bytes
        var at = start
        while at + bytes <= f.blocks.count {
            out.append((f.blocks[at..<at + bytes], randomBlocksPerRow * f.layout.elements))
            at += bytes
        }
        return out
    }

    // MARK: Kernels against the references

    func testQ8_KQuantisationMatchesReference() {
        for seed in [1, 2, 3] as [UInt64] {
            var x = Self.activations(1024, seed: seed)
            if seed == 3 { for i in 256..<512 { x[i] = 0 } }  // an all-zero block
            let k = Self.q8_K(x)
            for b in 0..<4 {
                let ref = Self.quantizeQ8_K(x[256 * b..<256 * b + 256])
                XCTAssertEqual(k.d[b].bitPattern, ref.d.bitPattern, "block \(b) d")
                for s in 0..<8 {
                    let values = (0..<32).map { e in Int32((e % 2 == 0 ? k.even : k.odd)[16 * (8 * b + s) + e / 2]) }
                    XCTAssertEqual(values, Array(ref.q[32 * s..<32 * s + 32]), "block \(b) chunk \(s)")
                    XCTAssertEqual(k.sums[8 * b + s], ref.bsums[2 * s] + ref.bsums[2 * s + 1])
                }
            }
        }
    }

    func testQ5_0DotIsBitExact() throws {
        let f = try QuantFixture(.q5_0)
        for (i, row) in Self.rows(f, randomBlocksPerRow: 32).enumerated() {
            for trial in 0..<Self.trials {
                let x = Self.q8_0(Self.activations(row.cols, seed: UInt64(1000 * i + trial)))
                let nb = row.cols / 32
                let expected = Self.refDotQ5_0(row.bytes, x.q, x.d)
                let bytes = Array(row.bytes)
                let got = bytes.withUnsafeBufferPointer { Q5_0Kernel.dot($0.baseAddress!, x.even, x.odd, x.d, nb) }
                XCTAssertEqual(got.bitPattern, expected.bitPattern, "row \(i) trial \(trial): \(got) vs \(expected)")
                let four = (bytes + bytes + bytes + bytes).withUnsafeBufferPointer { Q5_0Kernel.dot4Rows($0.baseAddress!, bytes.count, x.even, x.odd, x.d, nb) }
                XCTAssertEqual([four.0, four.1, four.2, four.3].map(\.bitPattern), Array(repeating: expected.bitPattern, count: 4))
            }
        }
    }

    /// The blocks repacked at load (PackedQ5_0) give the file layout's value bit for
    /// bit, one row, four rows, and through the matmul's decode and prompt paths.
    func testPackedQ5_0EqualsTheFileLayoutBitForBit() throws {
        let f = try QuantFixture(.q5_0)
        for (i, row) in Self.rows(f, randomBlocksPerRow: 32).enumerated() {
            let bytes = Array(row.bytes), nb = row.cols / 32
            var packed = bytes
            packed.withUnsafeMutableBufferPointer { PackedQ5_0.repack($0.baseAddress!, blocks: nb) }
            XCTAssertNotEqual(packed, bytes, "row \(i) was repacked")
            for trial in 0..<Self.trials {
                let x = Self.q8_0(Self.activations(row.cols, seed: UInt64(1000 * i + trial)))
                let expected = bytes.withUnsafeBufferPointer { Q5_0Kernel.dot($0.baseAddress!, x.even, x.odd, x.d, nb) }
                let got = packed.withUnsafeBufferPointer { Q5_0Kernel.dot($0.baseAddress!, x.even, x.odd, x.d, nb, layout: PackedQ5_0.self) }
                XCTAssertEqual(got.bitPattern, expected.bitPattern, "row \(i) trial \(trial): \(got) vs \(expected)")
                let four = (packed + packed + packed + packed).withUnsafeBufferPointer {
                    Q5_0Kernel.dot4Rows($0.baseAddress!, packed.count, x.even, x.odd, x.d, nb, layout: PackedQ5_0.self)
                }
                XCTAssertEqual([four.0, four.1, four.2, four.3].map(\.bitPattern), Array(repeating: expected.bitPattern, count: 4))
            }
        }
        let pool = WorkerPool(threads: 2)
        defer { pool.shutdown() }
        let rows = f.realRows, cols = f.rowLength
        for tokens in [1, 6] {
            let x = Self.activations(tokens * cols, seed: UInt64(tokens) &* 31)
            let input = Activations(capacityRows: tokens, maxCols: cols)
            var outputs: [[Float]] = []
            for pack in [false, true] {
                var weights = f.realRowBytes
                var out = [Float](repeating: .nan, count: tokens * rows)
                try weights.withUnsafeMutableBufferPointer { wp in
                    try x.withUnsafeBufferPointer { xp in
                        try out.withUnsafeMutableBufferPointer { op in
                            input.set(xp.baseAddress!, rows: tokens, cols: cols)
                            var m = WeightMatrix(name: "Q5_0 rows", type: .q5_0, data: wp.baseAddress!, rows: rows, cols: cols)
                            if pack { m = try m.packedForMatmul() }
                            XCTAssertEqual(m.packed, pack)
                            Matmul.run([MatmulTarget(weight: m, out: op.baseAddress!, outStride: rows)], input, pool: pool,
                                       scratch: [MatmulScratch(maxCols: cols), MatmulScratch(maxCols: cols)])
                        }
                    }
                }
                outputs.append(out)
            }
            XCTAssertFalse(outputs[0].contains { $0.isNaN })
            XCTAssertEqual(outputs[1].map(\.bitPattern), outputs[0].map(\.bitPattern), "\(tokens) tokens")
        }
    }

    func testQ4_KDotIsBitExact() throws {
        let f = try QuantFixture(.q4_K)
        for (i, row) in Self.rows(f, randomBlocksPerRow: 8).enumerated() {
            for trial in 0..<Self.trials {
                let xf = Self.activations(row.cols, seed: UInt64(1000 * i + trial + 20))
                let x = Self.q8_K(xf)
                let ref = (0..<row.cols / 256).map { Self.quantizeQ8_K(xf[256 * $0..<256 * $0 + 256]) }
                let expected = Self.refDotQ4_K(row.bytes, ref)
                let got = Array(row.bytes).withUnsafeBufferPointer { Q4_KKernel.dot($0.baseAddress!, x.even, x.odd, x.d, x.sums, row.cols / 256) }
                XCTAssertEqual(got.bitPattern, expected.bitPattern, "row \(i) trial \(trial): \(got) vs \(expected)")
            }
        }
    }

    func testQ6_KDotIsBitExact() throws {
        let f = try QuantFixture(.q6_K)
        for (i, row) in Self.rows(f, randomBlocksPerRow: 8).enumerated() {
            for trial in 0..<Self.trials {
                let xf = Self.activations(row.cols, seed: UInt64(1000 * i + trial + 30))
                let x = Self.q8_K(xf)
                let ref = (0..<row.cols / 256).map { Self.quantizeQ8_K(xf[256 * $0..<256 * $0 + 256]) }
                let expected = Self.refDotQ6_K(row.bytes, ref)
                let got = Array(row.bytes).withUnsafeBufferPointer { Q6_KKernel.dot($0.baseAddress!, x.even, x.odd, x.d, row.cols / 256) }
                XCTAssertEqual(got.bitPattern, expected.bitPattern, "row \(i) trial \(trial): \(got) vs \(expected)")
            }
        }
    }

    func testQ4_KScaleUnpackingMatchesTheAVX2Code() throws {
        let f = try QuantFixture(.q4_K)
        for b in 0..<f.blockCount {
            let packed = Array(f.blocks[144 * b + 4..<144 * b + 16])
            let avx = Self.q4_KScalesMins(packed)
            let scalar = packed.withUnsafeBufferPointer { p in (0..<8).map { Dequantize.q4_KScaleMin($0, p.baseAddress!) } }
            XCTAssertEqual(scalar.map { Int32($0.scale) } + scalar.map { Int32($0.min) }, avx, "block \(b)")
        }
    }

    // MARK: The matmul over real rows

    /// Every token of a batch gets exactly the single-row kernel's value (decode and
    /// prompt paths agree), and that value is the dot of the dequantised weights with
    /// the dequantised activations (the integer math is exact), and close to the dot
    /// with the original floats (only the activations' rounding differs).
    func testMatmulOverRealRowsMatchesTheDequantisedReference() throws {
        let pool = WorkerPool(threads: 2)
        defer { pool.shutdown() }
        for type in [GGMLType.q5_0, .q4_K, .q6_K] {
            let f = try QuantFixture(type)
            let weights = f.realRowBytes
            let rows = f.realRows, cols = f.rowLength
            let w = weights.withUnsafeBytes { Dequantize.row(type, $0.baseAddress!, count: rows * cols) }
            for tokens in [1, 6] {
                let x = Self.activations(tokens * cols, seed: UInt64(tokens) &* 977)
                let input = Activations(capacityRows: tokens, maxCols: cols)
                var out = [Float](repeating: .nan, count: tokens * rows)
                weights.withUnsafeBufferPointer { wp in
                    x.withUnsafeBufferPointer { xp in
                        out.withUnsafeMutableBufferPointer { op in
                            input.set(xp.baseAddress!, rows: tokens, cols: cols)
                            let m = WeightMatrix(name: "\(type.name) rows", type: type, data: wp.baseAddress!, rows: rows, cols: cols)
                            Matmul.run([MatmulTarget(weight: m, out: op.baseAddress!, outStride: rows)], input, pool: pool,
                                       scratch: [MatmulScratch(maxCols: cols), MatmulScratch(maxCols: cols)])
                        }
                    }
                }
                for t in 0..<tokens {
                    let xt = Array(x[t * cols..<(t + 1) * cols])
                    // The activations as the kernel sees them, dequantised.
                    let xq: [Double]
                    if type == .q5_0 {
                        let q = Self.q8_0(xt)
                        xq = (0..<cols).map { Double(q.q[$0]) * Double(q.d[$0 / 32]) }
                    } else {
                        xq = (0..<cols / 256).flatMap { b -> [Double] in
                            let r = Self.quantizeQ8_K(xt[256 * b..<256 * b + 256])
                            return r.q.map { Double($0) * Double(r.d) }
                        }
                    }
                    for r in 0..<rows {
                        let value = out[t * rows + r]
                        let single = self.singleDot(type, weights, row: r, cols: cols, xt)
                        XCTAssertEqual(value.bitPattern, single.bitPattern, "\(type.name) token \(t) row \(r)")
                        var exact: Double = 0, magnitude: Double = 0, original: Double = 0
                        for j in 0..<cols {
                            exact += Double(w[r * cols + j]) * xq[j]
                            magnitude += abs(Double(w[r * cols + j]) * xq[j])
                            original += Double(w[r * cols + j]) * Double(xt[j])
                        }
                        XCTAssertEqual(Double(value), exact, accuracy: 1e-5 * magnitude, "\(type.name) token \(t) row \(r)")
                        XCTAssertEqual(Double(value), original, accuracy: 0.01 * magnitude, "\(type.name) token \(t) row \(r)")
                    }
                }
            }
        }
    }

    private func singleDot(_ type: GGMLType, _ weights: [UInt8], row r: Int, cols: Int, _ x: [Float]) -> Float {
        let rowBytes = cols / type.blockLayout!.elements * type.blockLayout!.bytes
        return weights.withUnsafeBufferPointer { wp in
            let row = wp.baseAddress! + r * rowBytes
            switch type {
            case .q5_0:
                let q = Self.q8_0(x)
                return Q5_0Kernel.dot(row, q.even, q.odd, q.d, cols / 32)
            case .q4_K:
                let q = Self.q8_K(x)
                return Q4_KKernel.dot(row, q.even, q.odd, q.d, q.sums, cols / 256)
            default:
                let q = Self.q8_K(x)
                return Q6_KKernel.dot(row, q.even, q.odd, q.d, cols / 256)
            }
        }
    }
}
