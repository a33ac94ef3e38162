/// Y = X · Wᵀ for one or more weight matrices that read the same activations,
/// split into row chunks across the worker pool in one fork/join.
struct MatmulTarget {
    let weight: WeightMatrix
    /// Output row for token t starts at out + t * outStride.
    let out: UnsafeMutablePointer<Float>
    let outStride: Int
}

/// Per-worker scratch for unpacked weight rows.
final class MatmulScratch {
    let w: UnsafeMutablePointer<Int8>
    let wd: UnsafeMutablePointer<Float>
    let wm: UnsafeMutablePointer<Float>
    let xf: UnsafeMutablePointer<Float>

    init(maxCols: Int) {
        w = .allocate(capacity: maxCols)
        wd = .allocate(capacity: maxCols / 32)
        wm = .allocate(capacity: maxCols / 32)
        xf = .allocate(capacity: maxCols)
    }

    deinit {
        w.deallocate()
        wd.deallocate()
        wm.deallocate()
        xf.deallocate()
    }
}

enum Matmul {
    static func run(_ targets: [MatmulTarget], _ input: Activations, pool: WorkerPool, scratch: [MatmulScratch]) {
        for t in targets {
            precondition(t.weight.cols == input.cols, "\(t.weight.name): \(t.weight.cols) columns, input has \(input.cols)")
            input.prepare(for: t.weight.type)
        }
        let tokens = input.rows
        // Smaller chunks when each row carries a whole batch of work.
        let rowsPerChunk = tokens == 1 ? 32 : 8
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
        switch w.type {
        case .q4_1:
            if tokens == 1 {
                for r in start..<end {
                    t.out[r] = Kernels.dotQ4_1(w.row(r), input.q, input.d, input.s, nb)
                }
            } else {
                for r in start..<end {
                    Kernels.unpackQ4_1(w.row(r), nb, scratch.w, scratch.wd, scratch.wm)
                    for k in 0..<tokens {
                        t.out[k * t.outStride + r] = Kernels.dotUnpacked(scratch.w, scratch.wd, scratch.wm,
                                                                         input.q + k * cols, input.d + k * nb, input.s + k * nb, nb)
                    }
                }
            }
        case .q8_0:
            if tokens == 1 {
                for r in start..<end {
                    t.out[r] = Kernels.dotQ8_0(w.row(r), input.q, input.d, nb)
                }
            } else {
                for r in start..<end {
                    Kernels.unpackQ8_0(w.row(r), nb, scratch.w, scratch.wd)
                    for k in 0..<tokens {
                        t.out[k * t.outStride + r] = Kernels.dotUnpackedQ8_0(scratch.w, scratch.wd, input.q + k * cols, input.d + k * nb, nb)
                    }
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
