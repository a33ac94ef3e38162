/// Causal grouped-query attention of a batch of tokens over one layer's KV cache,
/// with llama.cpp's (non-flash) float order: q and the probabilities rounded to
/// Float16 for the F16 matmuls, batches in tinyBLAS's accumulation order and single
/// tokens in ggml_vec_dot_f16's. Head dimension 64.
///
/// The cache is widened to Float once per call and shared by every (token, head)
/// pair, instead of each pair converting the rows it reads (the heads of a group and
/// the tokens of a batch read the same K/V rows). Keys are stored transposed, so that
/// scores come 16 positions at a time with element-wise operations only; values in
/// the order the P·V lanes read them.
struct CausalAttention {
    let headCount: Int
    let kvHeadCount: Int
    /// Floats between one position's rows (and between tokens' q rows: headCount · 64).
    var kvDim: Int { kvHeadCount * 64 }
    var embedding: Int { headCount * 64 }

    /// Floats of per-worker scratch for up to `positions` cached positions.
    static func scratchCount(positions: Int) -> Int { positions + 16 + 64 + 64 * 64 }

    /// The number of partial sums per output of the probabilities · V product: tinyBLAS's
    /// 16 for batches, ggml_vec_dot_f16's 64 for one token.
    static func laneWidth(tokens: Int) -> Int { tokens > 1 ? 16 : 64 }

    /// Floats `widenValuesByLane` writes at most for `positions` cached positions.
    static func widenedValueCount(kvHeads: Int, positions: Int) -> Int { kvHeads * 64 * ((positions + 63) / 64 * 64) }

    /// `count` positions of Float16 values (rows kvDim apart) to Float rows of 64, per KV
    /// head in lane order: the positions one lane of the P·V product sums (j ≡ m mod
    /// `width`) next to each other, so that each lane reads its rows in sequence.
    /// Position j of KV head h goes to row (h · width + j % width) · rowsPerLane + j / width.
    static func widenValuesByLane(_ src: UnsafePointer<Float16>, kvHeads: Int, count: Int, width: Int,
                                  into dst: UnsafeMutablePointer<Float>) {
        let kvDim = kvHeads * 64
        let rowsPerLane = (count + width - 1) / width
        for j in 0..<count {
            for h in 0..<kvHeads {
                let row = dst + ((h * width + j % width) * rowsPerLane + j / width) * 64
                let from = src + j * kvDim + h * 64
                for i in 0..<64 { row[i] = Float(from[i]) }
            }
        }
    }

    /// Stores the keys of `n` tokens (rows kvDim apart) at positions p0..<p0 + n of a
    /// layer's key cache, kept transposed in blocks of 16 positions: element d of KV
    /// head h at position j is at cache[h · 64 · stride + (j / 16) · 1024 + d · 16 + j % 16].
    /// A head's keys then widen with contiguous conversions, the scores see one position
    /// per SIMD lane, and the cache's pages are touched only as positions fill.
    static func storeKeys(_ k: UnsafePointer<Float>, tokens n: Int, kvDim: Int, position p0: Int, stride: Int,
                          into cache: UnsafeMutablePointer<Float16>) {
        for i in 0..<n {
            let p = p0 + i
            for row in 0..<kvDim {
                let h = row / 64, d = row % 64
                cache[h * 64 * stride + (p / 16) * 1024 + d * 16 + p % 16] = Float16(k[i * kvDim + row])
            }
        }
    }

    /// Positions 0..<count of a key cache (`storeKeys`) into Float in the same layout,
    /// zero up to the next multiple of 16 positions (the score kernel reads them).
    static func widenKeys(_ cache: UnsafePointer<Float16>, kvDim: Int, count: Int, stride: Int,
                          into dst: UnsafeMutablePointer<Float>) {
        let padded = (count + 15) / 16 * 16
        for h in 0..<kvDim / 64 {
            let src = cache + h * 64 * stride, out = dst + h * 64 * stride
            // A plain loop: LLVM turns it into vcvtph2ps.
            for i in 0..<padded * 64 { out[i] = Float(src[i]) }
            guard count < padded else { continue }
            let last = out + (count / 16) * 1024
            for d in 0..<64 {
                for j in count % 16..<16 { last[d * 16 + j] = 0 }
            }
        }
    }

    /// Positions of capacity per KV head in a key cache for `positions` positions.
    static func keyStride(positions: Int) -> Int { (positions + 15) / 16 * 16 }

    /// _mm512_reduce_add_ps's tree (halves, quarters, pairs) over lanes 0..<16, each
    /// lane a vector of independent sums.
    @inline(__always)
    static func reduceLanes(_ lane: (Int) -> SIMD16<Float>) -> SIMD16<Float> {
        @inline(__always) func half(_ i: Int) -> SIMD16<Float> { lane(8 + i) + lane(i) }
        @inline(__always) func quarter(_ i: Int) -> SIMD16<Float> { half(4 + i) + half(i) }
        return (quarter(0) + quarter(2)) + (quarter(1) + quarter(3))
    }

    /// Attention outputs for query rows q (token t at q + t · embedding, at cache
    /// position p0 + t) into out (same layout), over positions 0...p0 + tokens - 1:
    /// keys as `widenKeys` leaves them (`keyStride`), values as
    /// `widenValuesByLane` leaves them. `scratch[worker]` gives `scratchCount` floats.
    func run(q: UnsafePointer<Float>, keys: UnsafePointer<Float>, keyStride: Int, values: UnsafePointer<Float>,
             tokens n: Int, position p0: Int, out: UnsafeMutablePointer<Float>,
             pool: WorkerPool, scratch: UnsafeBufferPointer<UnsafeMutablePointer<Float>>) {
        let heads = headCount, group = headCount / kvHeadCount
        let e = embedding
        let batched = n > 1
        let width = Self.laneWidth(tokens: n)
        let rowsPerLane = (p0 + n + width - 1) / width
        pool.parallelFor(n * heads) { item, worker in
            let t = item / heads, h = item % heads
            let kvh = h / group
            Self.head(q: q + t * e + h * 64, keys: keys + kvh * 64 * keyStride, values: values + kvh * width * rowsPerLane * 64, rowsPerLane: rowsPerLane,
                      positions: p0 + t + 1, batched: batched, out: out + t * e + h * 64, scratch: scratch[worker])
        }
    }

    /// One query head over `positions` cached positions: keys its KV head's blocks
    /// (element d of position j at (j / 16) · 1024 + d · 16 + j % 16), values its lane-ordered rows.
    @inline(__always)
    static func head(q qsrc: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, rowsPerLane: Int,
                     positions: Int, batched: Bool, out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let scores = scratch
        let padded = (positions + 15) / 16 * 16
        let qh = scratch + padded
        let lanes = qh + 64                     // [width][64]: lane m of every output dimension
        let scale: Float = 1.0 / 8  // 1 / sqrt(64), exact
        // q rounded to Float16, held in registers across the positions.
        for i in 0..<64 { qh[i] = Float(Float16(qsrc[i])) }
        // Scores 16 positions at a time, one position per SIMD lane, from keys stored
        // transposed: every step of ggml's per-position sum (its lanes, its reduction
        // tree) is an element-wise operation over 16 positions, in the same order.
        @inline(__always) func k(_ d: Int, _ j: Int) -> SIMD16<Float> { GGMLNumerics.load16(keys + j * 64 + d * 16) }
        @inline(__always) func q(_ d: Int) -> SIMD16<Float> { SIMD16(repeating: qh[d]) }
        var j = 0
        while j < positions {
            var dot: SIMD16<Float>
            if batched {
                // tinyBLAS: lane m is one FMA chain over elements m, m+16, m+32, m+48.
                @inline(__always) func lane(_ m: Int) -> SIMD16<Float> {
                    var a = q(m) * k(m, j)
                    a = a.addingProduct(q(m + 16), k(m + 16, j))
                    a = a.addingProduct(q(m + 32), k(m + 32, j))
                    return a.addingProduct(q(m + 48), k(m + 48, j))
                }
                dot = reduceLanes(lane)
            } else {
                // ggml_vec_dot_f16: four accumulators of one product each, folded 0+2, 1+3, 0+1.
                @inline(__always) func lane(_ m: Int) -> SIMD16<Float> {
                    (q(m) * k(m, j) + q(m + 32) * k(m + 32, j)) + (q(m + 16) * k(m + 16, j) + q(m + 48) * k(m + 48, j))
                }
                dot = reduceLanes(lane)
            }
            dot *= SIMD16(repeating: scale)
            UnsafeMutableRawPointer(scores + j).storeBytes(of: dot, as: SIMD16<Float>.self)
            j += 16
        }
        var maxScore = -Float.infinity
        for j in 0..<positions { maxScore = max(maxScore, scores[j]) }
        // Exponentials summed 16 at a time in Float, then in Double (ggml_vec_soft_max_f32).
        for j in positions..<padded { scores[j] = -.infinity }
        let maxv = SIMD16<Float>(repeating: maxScore)
        var sum: Double = 0
        var chunk = 0
        while chunk < padded {
            let v = GGMLNumerics.exp16(GGMLNumerics.load16(scores + chunk) - maxv)
            UnsafeMutableRawPointer(scores + chunk).storeBytes(of: v, as: SIMD16<Float>.self)
            sum += Double(GGMLNumerics.reduceAdd16(v))
            chunk += 16
        }
        let inv = Float(1 / sum)
        for j in 0..<positions { scores[j] = Float(Float16(scores[j] * inv)) }
        // Output i = dot over positions of p and V[:, i]: lane m accumulates positions
        // m, m + width, m + 2·width, ... in order, for all 64 outputs at once.
        let width = laneWidth(tokens: batched ? 2 : 1)
        for m in 0..<width {
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
            var j = m
            while j < positions {
                let pj = SIMD16<Float>(repeating: scores[j])
                let v = values + (m * rowsPerLane + j / width) * 64
                a0 = a0.addingProduct(pj, GGMLNumerics.load16(v))
                a1 = a1.addingProduct(pj, GGMLNumerics.load16(v + 16))
                a2 = a2.addingProduct(pj, GGMLNumerics.load16(v + 32))
                a3 = a3.addingProduct(pj, GGMLNumerics.load16(v + 48))
                j += width
            }
            let lane = UnsafeMutableRawPointer(lanes + m * 64)
            lane.storeBytes(of: a0, as: SIMD16<Float>.self)
            lane.storeBytes(of: a1, toByteOffset: 64, as: SIMD16<Float>.self)
            lane.storeBytes(of: a2, toByteOffset: 128, as: SIMD16<Float>.self)
            lane.storeBytes(of: a3, toByteOffset: 192, as: SIMD16<Float>.self)
        }
        // Single tokens fold 64 lanes to 16 first (ggml_vec_dot_f16's four accumulators).
        if !batched {
            for m in 0..<16 {
                for c in stride(from: 0, to: 64, by: 16) {
                    let l = lanes + m * 64 + c
                    let v = (GGMLNumerics.load16(l) + GGMLNumerics.load16(l + 32 * 64))
                        + (GGMLNumerics.load16(l + 16 * 64) + GGMLNumerics.load16(l + 48 * 64))
                    UnsafeMutableRawPointer(l).storeBytes(of: v, as: SIMD16<Float>.self)
                }
            }
        }
        // Reduce the 16 lanes of each output as _mm512_reduce_add_ps does, all outputs at once.
        for c in stride(from: 0, to: 64, by: 16) {
            func lane(_ m: Int) -> SIMD16<Float> { GGMLNumerics.load16(lanes + m * 64 + c) }
            UnsafeMutableRawPointer(out + c).storeBytes(of: reduceLanes(lane), as: SIMD16<Float>.self)
        }
    }
}
