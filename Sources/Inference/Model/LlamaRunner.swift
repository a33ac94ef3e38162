import Foundation

/// The llama/qwen2 forward pass over a KV cache. Not thread-safe: one caller at a time
/// (LlamaModel serialises generations). Prompt tokens go through in batches so
/// each weight row is read once per batch instead of once per token.
final class LlamaRunner {
    let config: LlamaConfig
    let weights: LlamaWeights
    let pool: WorkerPool
    let contextLength: Int
    let maxBatch: Int

    /// KV cache in Float16 (as llama.cpp keeps it): values [layer][position][kvDim], keys
    /// transposed in blocks of 16 positions, kvDim · keyStride per layer (see CausalAttention.storeKeys).
    private let keys: UnsafeMutablePointer<Float16>
    private let keyStride: Int
    private let values: UnsafeMutablePointer<Float16>
    /// One layer's cache widened to Float for `attention` (positions in use only): keys
    /// in the cache's layout, values in lane order.
    private let widenedKeys, widenedValues: UnsafeMutablePointer<Float>
    /// Tokens whose K/V are in the cache, in order.
    private(set) var cachedTokens: [Int32] = []

    private let x, xn, q, k, v, attn, proj, gate, up, hidden: UnsafeMutablePointer<Float>
    private let ropeCos, ropeSin: UnsafeMutablePointer<Float>
    private let input: Activations
    private let scratch: [MatmulScratch]
    private let attentionScratch: [UnsafeMutablePointer<Float>]
    let logits: UnsafeMutablePointer<Float>

    /// Prompts go through in batches of `maxBatch` tokens. 64 measured best with the 8-token prompt
    /// tiles on Qwen2.5-0.5B, 2 threads, 500-token prompt (prompt tok/s, interleaved pairs, quiet
    /// machine: 32 → ~105–122, 64 → ~122–129, 128 → ~113–121); results do not depend on it.
    init(config c: LlamaConfig, weights: LlamaWeights, threads: Int, contextLength: Int, maxBatch: Int = 64) {
        self.config = c
        self.weights = weights
        self.pool = WorkerPool(threads: threads)
        self.contextLength = contextLength
        self.maxBatch = maxBatch
        keyStride = CausalAttention.keyStride(positions: contextLength)
        keys = .allocate(capacity: c.layerCount * c.kvDim * keyStride)
        values = .allocate(capacity: c.layerCount * contextLength * c.kvDim)
        // Left uninitialised: only the positions a batch attends to are written (and resident).
        widenedKeys = .allocate(capacity: keyStride * c.kvDim)
        widenedValues = .allocate(capacity: CausalAttention.widenedValueCount(kvHeads: c.kvHeadCount, positions: contextLength))
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        let e = c.embeddingLength, f = c.feedForwardLength, b = maxBatch
        x = buffer(b * e); xn = buffer(b * e); q = buffer(b * e); attn = buffer(b * e); proj = buffer(b * e)
        k = buffer(b * c.kvDim); v = buffer(b * c.kvDim)
        gate = buffer(b * f); up = buffer(b * f); hidden = buffer(b * f)
        ropeCos = buffer(b * c.headDim / 2); ropeSin = buffer(b * c.headDim / 2)
        let widest = max(e, f)
        input = Activations(capacityRows: b, maxCols: widest)
        scratch = (0..<pool.threadCount).map { _ in MatmulScratch(maxCols: widest) }
        attentionScratch = (0..<pool.threadCount).map { _ in buffer(CausalAttention.scratchCount(positions: contextLength)) }
        logits = buffer(c.vocabularySize)
    }

    deinit {
        pool.shutdown()
        keys.deallocate(); values.deallocate(); widenedKeys.deallocate(); widenedValues.deallocate()
        for p in [x, xn, q, k, v, attn, proj, gate, up, hidden, ropeCos, ropeSin, logits] { p.deallocate() }
        for p in attentionScratch { p.deallocate() }
    }

    /// Drops cached positions from `count` on (so a new prompt can reuse a shared prefix).
    func truncateCache(to count: Int) {
        if count < cachedTokens.count { cachedTokens.removeLast(cachedTokens.count - count) }
    }

    /// Appends tokens to the cache; afterwards `logits` holds the scores for the
    /// token after the last one.
    func append(_ tokens: [Int32]) throws {
        guard !tokens.isEmpty else { return }
        guard cachedTokens.count + tokens.count <= contextLength else {
            throw InferenceError.contextOverflow(needed: cachedTokens.count + tokens.count, limit: contextLength)
        }
        for t in tokens where t < 0 || Int(t) >= config.vocabularySize {
            throw InferenceError.invalidToken(t)
        }
        var start = 0
        while start < tokens.count {
            var end = min(start + maxBatch, tokens.count)
            // A lone trailing token would take the single-token attention order;
            // llama.cpp evaluates the whole prompt as one batch, so keep batches >= 2.
            if tokens.count - end == 1 && end - start > 2 { end -= 1 }
            Array(tokens[start..<end]).withUnsafeBufferPointer { batch in
                forward(batch, position: cachedTokens.count, wantLogits: end == tokens.count)
            }
            cachedTokens += tokens[start..<end]
            start = end
        }
    }

    private func forward(_ tokens: UnsafeBufferPointer<Int32>, position p0: Int, wantLogits: Bool) {
        let c = config
        let n = tokens.count, e = c.embeddingLength, kvDim = c.kvDim, hd = c.headDim, f = c.feedForwardLength
        // Embedding rows.
        for (i, t) in tokens.enumerated() {
            Dequantize.row(weights.tokenEmbedding.type, UnsafeRawPointer(weights.tokenEmbedding.row(Int(t))), count: e, into: x + i * e)
        }
        // RoPE angles as ggml computes them: theta = p * base^(-2i/d), iterated in Float.
        let thetaScale = powf(c.ropeFrequencyBase, -2.0 / Float(hd))
        for i in 0..<n {
            var theta = Float(p0 + i)
            for j in 0..<hd / 2 {
                ropeCos[i * hd / 2 + j] = cosf(theta)
                ropeSin[i * hd / 2 + j] = sinf(theta)
                theta *= thetaScale
            }
        }
        for (l, layer) in weights.layers.enumerated() {
            rmsNorm(x, layer.attentionNorm, rows: n, into: xn)
            input.set(xn, rows: n, cols: e)
            Matmul.run([MatmulTarget(weight: layer.q, out: q, outStride: e),
                        MatmulTarget(weight: layer.k, out: k, outStride: kvDim),
                        MatmulTarget(weight: layer.v, out: v, outStride: kvDim)], input, pool: pool, scratch: scratch)
            // ggml adds the biases to the finished products, in Float, as here.
            if let qb = layer.qBias, let kb = layer.kBias, let vb = layer.vBias {
                addBias(qb, to: q, rows: n, cols: e)
                addBias(kb, to: k, rows: n, cols: kvDim)
                addBias(vb, to: v, rows: n, cols: kvDim)
            }
            for i in 0..<n {
                rope(q + i * e, heads: c.headCount, token: i)
                rope(k + i * kvDim, heads: c.kvHeadCount, token: i)
                let slot = (l * contextLength + p0 + i) * kvDim
                for j in 0..<kvDim { values[slot + j] = Float16(v[i * kvDim + j]) }
            }
            CausalAttention.storeKeys(k, tokens: n, kvDim: kvDim, position: p0, stride: keyStride, into: keys + l * kvDim * keyStride)
            attention(layer: l, tokens: n, position: p0)
            input.set(attn, rows: n, cols: e)
            Matmul.run([MatmulTarget(weight: layer.o, out: proj, outStride: e)], input, pool: pool, scratch: scratch)
            for i in 0..<n * e { x[i] += proj[i] }
            rmsNorm(x, layer.ffnNorm, rows: n, into: xn)
            input.set(xn, rows: n, cols: e)
            // Gate and up rows in the same chunks, so each chunk also applies SwiGLU to its rows.
            let gate = self.gate, up = self.up, hidden = self.hidden
            Matmul.run([MatmulTarget(weight: layer.gate, out: gate, outStride: f),
                        MatmulTarget(weight: layer.up, out: up, outStride: f)], input, pool: pool, scratch: scratch,
                       paired: { start, end in
                           for t in 0..<n {
                               var i = t * f + start
                               let stop = t * f + end
                               while i + 16 <= stop {
                                   let v = GGMLNumerics.swiglu16(GGMLNumerics.load16(gate + i), GGMLNumerics.load16(up + i))
                                   UnsafeMutableRawPointer(hidden + i).storeBytes(of: v, as: SIMD16<Float>.self)
                                   i += 16
                               }
                               while i < stop {
                                   hidden[i] = GGMLNumerics.silu(gate[i]) * up[i]
                                   i += 1
                               }
                           }
                       })
            input.set(hidden, rows: n, cols: f)
            Matmul.run([MatmulTarget(weight: layer.down, out: proj, outStride: e)], input, pool: pool, scratch: scratch)
            for i in 0..<n * e { x[i] += proj[i] }
        }
        guard wantLogits else { return }
        let last = x + (n - 1) * e
        rmsNorm(last, weights.outputNorm, rows: 1, into: xn)
        input.set(xn, rows: 1, cols: e)
        Matmul.run([MatmulTarget(weight: weights.output, out: logits, outStride: c.vocabularySize)], input, pool: pool, scratch: scratch)
    }

    /// RMSNorm as ggml: sum of squares in Double, scale in Float, then times the weight.
    private func rmsNorm(_ src: UnsafePointer<Float>, _ weight: [Float], rows: Int, into dst: UnsafeMutablePointer<Float>) {
        let e = config.embeddingLength
        weight.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                let a = src + r * e, y = dst + r * e
                var sum: Double = 0
                for i in 0..<e { sum += Double(a[i] * a[i]) }
                let mean = Float(sum / Double(e))
                let scale = 1 / sqrtf(mean + config.rmsEpsilon)
                for i in 0..<e { y[i] = a[i] * scale * w[i] }
            }
        }
    }

    private func addBias(_ bias: [Float], to rows: UnsafeMutablePointer<Float>, rows n: Int, cols: Int) {
        bias.withUnsafeBufferPointer { b in
            for r in 0..<n {
                let row = rows + r * cols
                for i in 0..<cols { row[i] += b[i] }
            }
        }
    }

    /// RoPE. llama ("normal"): rotates consecutive pairs (the converter already permuted
    /// q/k). qwen2 (NeoX): rotates element j with element j + headDim/2.
    private func rope(_ vec: UnsafeMutablePointer<Float>, heads: Int, token: Int) {
        let hd = config.headDim
        let cosT = ropeCos + token * hd / 2, sinT = ropeSin + token * hd / 2
        let half = config.architecture.rotatesHalves ? hd / 2 : 1
        let pairStride = config.architecture.rotatesHalves ? 1 : 2
        for h in 0..<heads {
            let base = vec + h * hd
            for j in 0..<hd / 2 {
                let i0 = j * pairStride, i1 = i0 + half
                let x0 = base[i0], x1 = base[i1]
                // GCC contracts ggml's `x0*cos - x1*sin` into fma(x0, cos, -(x1*sin)).
                base[i0] = (-(x1 * sinT[j])).addingProduct(x0, cosT[j])
                base[i1] = (x1 * cosT[j]).addingProduct(x0, sinT[j])
            }
        }
    }

    /// Causal grouped-query attention for the batch (see CausalAttention).
    private func attention(layer l: Int, tokens n: Int, position p0: Int) {
        let c = config
        let positions = p0 + n
        CausalAttention.widenKeys(keys + l * c.kvDim * keyStride, kvDim: c.kvDim, count: positions, stride: keyStride, into: widenedKeys)
        CausalAttention.widenValuesByLane(values + l * contextLength * c.kvDim, kvHeads: c.kvHeadCount, count: positions,
                                          width: CausalAttention.laneWidth(tokens: n), into: widenedValues)
        attentionScratch.withUnsafeBufferPointer { scratch in
            CausalAttention(headCount: c.headCount, kvHeadCount: c.kvHeadCount)
                .run(q: q, keys: widenedKeys, keyStride: keyStride, values: widenedValues, tokens: n, position: p0,
                     out: attn, pool: pool, scratch: scratch)
        }
    }
}
