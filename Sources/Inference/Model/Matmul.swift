/// Y = X · Wᵀ for one or more weight matrices that read the same activations,
/// split into row chunks across the worker pool in one fork/join.
struct MatmulTarget {
    let weight: WeightMatrix
    /// Output row for token t starts at out + t * outStride.
    let out: UnsafeMutablePointer<Float>
    let outStride: Int
}

/// Per-worker scratch for an unpacked weight row.
final class MatmulScratch {
    let we: UnsafeMutablePointer<Int16>
    let wo: UnsafeMutablePointer<Int16>
    let wd: UnsafeMutablePointer<Float>
    let wm: UnsafeMutablePointer<Float>
    let xf: UnsafeMutablePointer<Float>

    init(maxCols: Int) {
        we = .allocate(capacity: maxCols / 2)
        wo = .allocate(capacity: maxCols / 2)
        wd = .allocate(capacity: maxCols / 32)
        wm = .allocate(capacity: maxCols / 32)
        xf = .allocate(capacity: maxCols)
    }

    deinit {
        we.deallocate()
        wo.deallocate()
        wd.deallocate()
        wm.deallocate()
        xf.deallocate()
    }
}

enum Matmul {
    /// `paired`: the targets have the same row count and every chunk covers the
    /// same rows of each; the closure then runs on those rows (a fused epilogue).
    static func run(_ targets: [MatmulTarget], _ input: Activations, pool: WorkerPool, scratch: [MatmulScratch],
                    paired: ((Int, Int) -> Void)? = nil) {
        for t in targets {
            precondition(t.weight.cols == input.cols, "\(t.weight.name): \(t.weight.cols) columns, input has \(input.cols)")
            input.prepare(for: t.weight.type)
        }
        let tokens = input.rows
        // Smaller chunks when each row carries a whole batch of work.
        let rowsPerChunk = tokens == 1 ? 32 : 16
        if let paired {
            let rows = targets[0].weight.rows
            precondition(targets.allSatisfy { $0.weight.rows == rows })
            let chunks = (rows + rowsPerChunk - 1) / rowsPerChunk
            pool.parallelFor(chunks) { c, worker in
                let start = c * rowsPerChunk, end = min(start + rowsPerChunk, rows)
                for t in targets { compute(t, input, start, end, scratch[worker]) }
                paired(start, end)
            }
            return
        }
        var chunks: [(target: Int, start: Int, end: Int)] = []
        for (i, t) in targets.enumerated() {
            var r = 0
            while r < t.weight.rows {
                let end = min(r + rowsPerChunk, t.weight.rows)
                chunks.append((i, r, end))
                r = end
            }
        }
        chunks.withUnsafeBufferPointer { plan in
            pool.parallelFor(plan.count) { c, worker in
                let chunk = plan[c]
                compute(targets[chunk.target], input, chunk.start, chunk.end, scratch[worker])
            }
        }
    }

    static func compute(_ t: MatmulTarget, _ input: Activations, _ start: Int, _ end: Int, _ scratch: MatmulScratch) {
        let w = t.weight
        let nb = input.blocksPerRow
        let tokens = input.rows
        let cols = input.cols
        let half = cols / 2
        let xe = input.even, xo = input.odd, xd = input.d, xs = input.s
        switch w.type {
        case .q4_1:
            if tokens == 1 {
                var r = start
                while r + 1 < end {
                    (t.out[r], t.out[r + 1]) = Kernels.dotQ4_1x2(w.row(r), w.row(r + 1), xe, xo, xd, xs, nb)
                    r += 2
                }
                if r < end { t.out[r] = Kernels.dotQ4_1(w.row(r), xe, xo, xd, xs, nb) }
                return
            }
            for r in start..<end {
                Kernels.unpackQ4_1(w.row(r), nb, scratch.we, scratch.wo, scratch.wd, scratch.wm)
                var k = 0
                while k + 1 < tokens {
                    let (a, b) = Kernels.dotUnpacked2(scratch.we, scratch.wo, scratch.wd, scratch.wm,
                                                      xe + k * half, xo + k * half, xd + k * nb, xs + k * nb,
                                                      xe + (k + 1) * half, xo + (k + 1) * half, xd + (k + 1) * nb, xs + (k + 1) * nb, nb)
                    t.out[k * t.outStride + r] = a
                    t.out[(k + 1) * t.outStride + r] = b
                    k += 2
                }
                if k < tokens {
                    t.out[k * t.outStride + r] = Kernels.dotUnpacked(scratch.we, scratch.wo, scratch.wd, scratch.wm,
                                                                     xe + k * half, xo + k * half, xd + k * nb, xs + k * nb, nb)
                }
            }
        case .q8_0:
            for r in start..<end {
                for k in 0..<tokens {
                    t.out[k * t.outStride + r] = Kernels.dotQ8_0(w.row(r), xe + k * half, xo + k * half, xd + k * nb, nb)
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
            preconditionFailure("unsupported weight type \(w.type.name) reached the matmul")
        }
    }
}
