import InferenceVNNI

/// Y = X · Wᵀ for one or more weight matrices that read the same activations,
/// split into row chunks across the worker pool in one fork/join.
struct MatmulTarget {
    let weight: WeightMatrix
    /// Output row for token t starts at out + t * outStride.
    let out: UnsafeMutablePointer<Float>
    let outStride: Int
}

/// Per-worker scratch space for the kernels.
final class MatmulScratch {
    /// d·xd per block for up to sixteen (row, token) pairs (the VNNI tiles), or eight plus converted scales (PackedQ4_1's kernels).
    let dd: UnsafeMutablePointer<Float>
    /// One dequantised row (float weights).
    let xf: UnsafeMutablePointer<Float>
    /// One row of decoded, scaled 16-bit weights (Q4_K's prompt kernel).
    let scaled: UnsafeMutablePointer<Int16>

    init(maxCols: Int) {
        dd = .allocate(capacity: 16 * maxCols / 32)
        xf = .allocate(capacity: maxCols)
        scaled = .allocate(capacity: maxCols)
    }

    deinit {
        dd.deallocate()
        xf.deallocate()
        scaled.deallocate()
    }

    var pointers: ScratchPointers { ScratchPointers(dd: dd, xf: xf, scaled: scaled) }
}

/// A chunk's inputs with no reference-counted fields, so the per-chunk calls do
/// no retain/release (that showed up at a few percent of decode).
struct MatmulJob {
    let type: GGMLType
    let packed: Bool
    let data: UnsafePointer<UInt8>
    let rowBytes: Int
    let rows: Int
    let out: UnsafeMutablePointer<Float>
    let outStride: Int

    init(_ t: MatmulTarget) {
        type = t.weight.type
        packed = t.weight.packed
        data = t.weight.data
        rowBytes = t.weight.rowBytes
        rows = t.weight.rows
        out = t.out
        outStride = t.outStride
    }

    @inline(__always)
    func row(_ r: Int) -> UnsafePointer<UInt8> { data + r * rowBytes }
}

struct ScratchPointers {
    let dd: UnsafeMutablePointer<Float>
    let xf: UnsafeMutablePointer<Float>
    let scaled: UnsafeMutablePointer<Int16>
}

/// Activations after `prepare`, as plain pointers.
struct ActivationView {
    let x: UnsafePointer<Float>
    let even: UnsafePointer<Int16>
    let odd: UnsafePointer<Int16>
    let d: UnsafePointer<Float>
    let s: UnsafePointer<Float>
    /// The Q8_K quantisation (K-quant weights).
    let evenK: UnsafePointer<Int16>
    let oddK: UnsafePointer<Int16>
    let dK: UnsafePointer<Float>
    let sumsK: UnsafePointer<Int32>
    /// The Q8_0 values' VNNI copy (Activations.bytes), when the batch has one.
    let vnniBytes: UnsafePointer<UInt8>?
    /// The Q8_K values as bytes for the VNNI prompt kernels, when prepared.
    let bytesK: UnsafePointer<UInt8>?
    let rows: Int
    let cols: Int

    init(_ a: Activations) {
        x = a.x; even = UnsafePointer(a.even); odd = UnsafePointer(a.odd); d = UnsafePointer(a.d); s = UnsafePointer(a.s)
        evenK = UnsafePointer(a.evenK); oddK = UnsafePointer(a.oddK); dK = UnsafePointer(a.dK); sumsK = UnsafePointer(a.sumsK)
        vnniBytes = a.preparedBytesVNNI
        bytesK = a.preparedBytesK ? a.bytesK.map { UnsafePointer($0) } : nil
        rows = a.rows; cols = a.cols
    }
}

enum Matmul {
    /// `paired`: the targets have the same row count and every chunk covers the
    /// same rows of each; the closure then runs on those rows (a fused epilogue).
    static func run(_ targets: [MatmulTarget], _ input: Activations, pool: WorkerPool, scratch: [MatmulScratch],
                    paired: ((Int, Int) -> Void)? = nil) {
        for t in targets {
            precondition(t.weight.cols == input.cols, "\(t.weight.name): \(t.weight.cols) columns, input has \(input.cols)")
            precondition(t.weight.type != .q4_1 || t.weight.packed, "\(t.weight.name): Q4_1 rows must be repacked at load")
            input.prepare(for: t.weight.type)
        }
        let view = ActivationView(input)
        let jobs = targets.map(MatmulJob.init)
        let scratchPointers = scratch.map(\.pointers)
        // Smaller chunks when each row carries a whole batch of work; for one token,
        // at most ~128 chunks per matrix (the LM head's 49152 rows would otherwise
        // be 1536 claims on a shared counter), in multiples of 4 rows.
        let widest = jobs.map(\.rows).max() ?? 0
        let rowsPerChunk = view.rows == 1 ? max(32, widest / 128 / 4 * 4) : 16
        jobs.withUnsafeBufferPointer { jobs in
            scratchPointers.withUnsafeBufferPointer { scratch in
                if let paired {
                    let rows = jobs[0].rows
                    precondition(jobs.allSatisfy { $0.rows == rows })
                    let chunks = (rows + rowsPerChunk - 1) / rowsPerChunk
                    pool.parallelFor(chunks) { c, worker in
                        let start = c * rowsPerChunk, end = min(start + rowsPerChunk, rows)
                        for j in jobs.indices { compute(jobs[j], view, start, end, scratch[worker]) }
                        paired(start, end)
                    }
                    return
                }
                var chunks: [(job: Int, start: Int, end: Int)] = []
                for (i, t) in jobs.enumerated() {
                    var r = 0
                    while r < t.rows {
                        let end = min(r + rowsPerChunk, t.rows)
                        chunks.append((i, r, end))
                        r = end
                    }
                }
                chunks.withUnsafeBufferPointer { plan in
                    pool.parallelFor(plan.count) { c, worker in
                        let chunk = plan[c]
                        compute(jobs[chunk.job], view, chunk.start, chunk.end, scratch[worker])
                    }
                }
            }
        }
    }

    static func compute(_ t: MatmulJob, _ input: ActivationView, _ start: Int, _ end: Int, _ scratch: ScratchPointers) {
        let w = t
        let nb = input.cols / 32
        let tokens = input.rows
        let cols = input.cols
        let xe = input.even, xo = input.odd, xd = input.d, xs = input.s
        switch w.type {
        case .q4_1:
            let dd = scratch.dd
            if tokens == 1 {
                var r = start
                while r + 4 <= end {
                    (t.out[r], t.out[r + 1], t.out[r + 2], t.out[r + 3]) = PackedQ4_1.dot4Rows(w.row(r), w.rowBytes, xe, xo, xd, xs, nb, dd)
                    r += 4
                }
                while r < end {
                    t.out[r] = PackedQ4_1.dot(w.row(r), xe, xo, xd, xs, nb, dd)
                    r += 1
                }
                return
            }
            // dd takes 8·nb products; the row's d and m as Float follow it.
            let df = dd + 8 * nb
            for r in start..<end {
                let row = w.row(r)
                PackedQ4_1.rowScales(row, nb, df)
                var k = 0
                while k + 8 <= tokens {
                    let v = PackedQ4_1.dot8Tokens(row, df, xe + 16 * k, xo + 16 * k, xd + k, xs + k, tokens, nb, dd)
                    for j in 0..<8 { t.out[(k + j) * t.outStride + r] = v[j] }
                    k += 8
                }
                while k + 4 <= tokens {
                    let v = PackedQ4_1.dot4Tokens(row, df, xe + 16 * k, xo + 16 * k, xd + k, xs + k, tokens, nb, dd)
                    for j in 0..<4 { t.out[(k + j) * t.outStride + r] = v[j] }
                    k += 4
                }
                while k < tokens {
                    t.out[k * t.outStride + r] = PackedQ4_1.dot(row, xe + 16 * k, xo + 16 * k, xd + k, xs + k, nb, dd, stride: tokens)
                    k += 1
                }
            }
        case .q8_0:
            if tokens == 1 {
                var r = start
                while r + 4 <= end {
                    (t.out[r], t.out[r + 1], t.out[r + 2], t.out[r + 3]) = Kernels.dotQ8_0x4(w.row(r), w.rowBytes, xe, xo, xd, nb)
                    r += 4
                }
                while r < end {
                    t.out[r] = Kernels.dotQ8_0(w.row(r), xe, xo, xd, nb)
                    r += 1
                }
                return
            }
            // Tokens outer, rows inner: the tokens' activations stay in cache across the chunk's rows.
            var k = vnniTiles(t, input, start, end) { tile, row, x, xd, out in
                #if arch(x86_64)
                Q8_0VNNI.dotTokens(tile, row: row, x: x, xd: xd, stride: tokens, blocks: nb, scales: scratch.dd, out: out)
                #endif
            }
            while k + 8 <= tokens {
                for r in start..<end {
                    let v = Kernels.dotQ8_0x8Tokens(w.row(r), xe + 16 * k, xo + 16 * k, xd + k, tokens, nb, scratch.dd)
                    for j in 0..<8 { t.out[(k + j) * t.outStride + r] = v[j] }
                }
                k += 8
            }
            for k in k..<tokens {
                for r in start..<end {
                    t.out[k * t.outStride + r] = Kernels.dotQ8_0(w.row(r), xe + 16 * k, xo + 16 * k, xd + k, nb, stride: tokens)
                }
            }
        case .q5_0:
            if w.packed {
                q5_0(t, input, start, end, scratch, PackedQ5_0.self)
            } else {
                q5_0(t, input, start, end, scratch, GGMLQ5_0.self)
            }
        case .q4_K, .q6_K:
            let nbK = cols / 256
            let ke = input.evenK, ko = input.oddK, kd = input.dK, ks = input.sumsK
            // Tokens outer, rows inner: the tokens' activations stay in cache across the chunk's rows.
            var k = 0
            #if arch(x86_64)
            if let kb = input.bytesK {
                while k + 8 <= tokens {
                    for r in start..<end {
                        let row = w.row(r)
                        let v = w.type == .q4_K ? Q4_KKernel.dot8TokensVNNI(row, kb + 32 * k, kd + k, ks + k, nbK, stride: tokens, scratch.scaled)
                                                : Q6_KKernel.dot8TokensVNNI(row, kb + 32 * k, kd + k, nbK, stride: tokens)
                        for j in 0..<8 { t.out[(k + j) * t.outStride + r] = v[j] }
                    }
                    k += 8
                }
            }
            #endif
            while k + 8 <= tokens {
                for r in start..<end {
                    let row = w.row(r)
                    let v = w.type == .q4_K ? Q4_KKernel.dot8Tokens(row, ke + 16 * k, ko + 16 * k, kd + k, ks + k, nbK, stride: tokens, scratch.scaled)
                                            : Q6_KKernel.dot8Tokens(row, ke + 16 * k, ko + 16 * k, kd + k, nbK, stride: tokens, scratch.dd)
                    for j in 0..<8 { t.out[(k + j) * t.outStride + r] = v[j] }
                }
                k += 8
            }
            while k + 4 <= tokens {
                for r in start..<end {
                    let row = w.row(r)
                    let v = w.type == .q4_K ? Q4_KKernel.dot4Tokens(row, ke + 16 * k, ko + 16 * k, kd + k, ks + k, nbK, stride: tokens)
                                            : Q6_KKernel.dot4Tokens(row, ke + 16 * k, ko + 16 * k, kd + k, nbK, stride: tokens)
                    for j in 0..<4 { t.out[(k + j) * t.outStride + r] = v[j] }
                }
                k += 4
            }
            for k in k..<tokens {
                for r in start..<end {
                    let row = w.row(r)
                    t.out[k * t.outStride + r] = w.type == .q4_K ? Q4_KKernel.dot(row, ke + 16 * k, ko + 16 * k, kd + k, ks + k, nbK, stride: tokens)
                                                                 : Q6_KKernel.dot(row, ke + 16 * k, ko + 16 * k, kd + k, nbK, stride: tokens)
                }
            }
        case .f32, .f16:
            for r in start..<end {
                Dequantize.row(w.type, UnsafeRawPointer(w.row(r)), count: cols, into: scratch.xf)
                for k in 0..<tokens {
                    let x = input.x + k * cols
                    var acc: Float = 0
                    for j in 0..<cols { acc += scratch.xf[j] * x[j] }
                    t.out[k * t.outStride + r] = acc
                }
            }
        default:
            preconditionFailure("unsupported weight type \(w.type) reached the matmul")
        }
    }

    /// Q5_0 rows in either block layout (packed at load, or ggml's as in the file).
    @inline(__always)
    static func q5_0<L: Q5_0Layout>(_ t: MatmulJob, _ input: ActivationView, _ start: Int, _ end: Int, _ scratch: ScratchPointers, _: L.Type) {
        let w = t
        let nb = input.cols / 32
        let tokens = input.rows
        let xe = input.even, xo = input.odd, xd = input.d
        if tokens == 1 {
            var r = start
            while r + 4 <= end {
                (t.out[r], t.out[r + 1], t.out[r + 2], t.out[r + 3]) = Q5_0Kernel.dot4Rows(w.row(r), w.rowBytes, xe, xo, xd, nb, layout: L.self)
                r += 4
            }
            while r < end {
                t.out[r] = Q5_0Kernel.dot(w.row(r), xe, xo, xd, nb, layout: L.self)
                r += 1
            }
            return
        }
        // Tokens outer, rows inner: the tokens' activations stay in cache across the chunk's rows.
        var k = vnniTiles(t, input, start, end) { tile, row, x, xd, out in
            #if arch(x86_64)
            Q5_0VNNI.dotTokens(tile, row: row, packed: w.packed, x: x, xd: xd, stride: tokens, blocks: nb, scales: scratch.dd, out: out)
            #endif
        }
        while k + 8 <= tokens {
            for r in start..<end {
                let v = Q5_0Kernel.dot8Tokens(w.row(r), xe + 16 * k, xo + 16 * k, xd + k, tokens, nb, scratch.dd, layout: L.self)
                for j in 0..<8 { t.out[(k + j) * t.outStride + r] = v[j] }
            }
            k += 8
        }
        while k + 4 <= tokens {
            for r in start..<end {
                let v = Q5_0Kernel.dot4Tokens(w.row(r), xe + 16 * k, xo + 16 * k, xd + k, tokens, nb, layout: L.self)
                for j in 0..<4 { t.out[(k + j) * t.outStride + r] = v[j] }
            }
            k += 4
        }
        for k in k..<tokens {
            for r in start..<end {
                t.out[k * t.outStride + r] = Q5_0Kernel.dot(w.row(r), xe + 16 * k, xo + 16 * k, xd + k, nb, stride: tokens, layout: L.self)
            }
        }
    }

    /// The tokens InferenceVNNI's tiles cover (16 at a time, then 8), tokens outer and rows
    /// inner as the AVX2 loops; returns where those go on (0 without a VNNI copy).
    /// `tile(tokens, row, x, xd, out)` leaves each token's 8 float lanes in out.
    @inline(__always)
    static func vnniTiles(_ t: MatmulJob, _ input: ActivationView, _ start: Int, _ end: Int,
                          _ tile: (Int, UnsafePointer<UInt8>, UnsafePointer<UInt8>, UnsafePointer<Float>, UnsafeMutablePointer<SIMD8<Float>>) -> Void) -> Int {
        guard let bytes = input.vnniBytes else { return 0 }
        let tokens = input.rows
        return withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 16) { lanes in
            let out = lanes.baseAddress!
            var k = 0, width = 16
            while width >= 8 {
                while k + width <= tokens {
                    for r in start..<end {
                        tile(width, t.row(r), bytes + 32 * k, input.d + k, out)
                        for j in 0..<width { t.out[(k + j) * t.outStride + r] = Kernels.hsum(out[j]) }
                    }
                    k += width
                }
                width /= 2
            }
            return k
        }
    }
}
