import InferenceVNNI

/// A batch of activation rows in Float plus their int8 block quantisations,
/// prepared once and shared by every weight matrix that reads them.
///
/// The quantised rows are interleaved block by block: block b of row t is at
/// even/odd + 16·(b·rows + t) and d/s[b·rows + t]. A kernel working on several
/// tokens then finds them at fixed offsets from one pointer, and their scales
/// side by side. With one row this is the plain row layout.
final class Activations {
    let capacityRows: Int
    let maxCols: Int
    private(set) var rows = 0
    private(set) var cols = 0
    private(set) var x: UnsafePointer<Float>
    /// Quantised values, even and odd elements of each block (see Kernels).
    let even: UnsafeMutablePointer<Int16>
    let odd: UnsafeMutablePointer<Int16>
    let d: UnsafeMutablePointer<Float>
    let s: UnsafeMutablePointer<Float>
    /// The Q8_K quantisation (for K-quant weights) in its own buffers, so one matmul
    /// may mix weight families: values as even/odd halves like the above, one d per
    /// 256 elements and one sum per 32 (see Q8_KActivations).
    let evenK: UnsafeMutablePointer<Int16>
    let oddK: UnsafeMutablePointer<Int16>
    let dK: UnsafeMutablePointer<Float>
    let sumsK: UnsafeMutablePointer<Int32>
    /// With VNNI kernels (`useVNNI`), the Q8_0 values again for batches of 8 or more
    /// tokens (InferenceVNNI's tiles): per block 32 bytes x + 128 in element order,
    /// interleaved as above: block b of row t at bytes + 32·(b·rows + t).
    let useVNNI: Bool
    let bytes: UnsafeMutablePointer<UInt8>?
    /// The Q8_K values once more as bytes q + 128 for the VNNI prompt kernels, allocated
    /// when they are used (`useVNNI`); quantised only for batches of eight rows or more,
    /// which is when Matmul takes those kernels.
    let bytesK: UnsafeMutablePointer<UInt8>?
    private(set) var preparedBytesK = false
    /// What `even`/`odd`/`d`/`s` hold: Q8_1 (with sums, serves Q8_0 too) or Q8_0.
    private var preparedType: GGMLType?
    private var preparedBytes = false
    private var preparedQ8_K = false

    /// `useVNNI` (tests compare both) takes effect only on a CPU with VNNI (CPUFeatures.hasVNNI).
    init(capacityRows: Int, maxCols: Int, useVNNI requested: Bool = CPUFeatures.useVNNI) {
        let useVNNI = requested && CPUFeatures.hasVNNI
        self.capacityRows = capacityRows
        self.useVNNI = useVNNI
        // The byte copies serve only batches of eight or more (Matmul's VNNI tiles).
        let tiles = useVNNI && capacityRows >= 8
        bytes = tiles ? .allocate(capacity: capacityRows * maxCols) : nil
        bytesK = tiles ? .allocate(capacity: capacityRows * maxCols) : nil
        self.maxCols = maxCols
        even = .allocate(capacity: capacityRows * maxCols / 2)
        odd = .allocate(capacity: capacityRows * maxCols / 2)
        d = .allocate(capacity: capacityRows * maxCols / 32)
        s = .allocate(capacity: capacityRows * maxCols / 32)
        evenK = .allocate(capacity: capacityRows * maxCols / 2)
        oddK = .allocate(capacity: capacityRows * maxCols / 2)
        dK = .allocate(capacity: max(1, capacityRows * maxCols / 256))
        sumsK = .allocate(capacity: capacityRows * maxCols / 32)
        x = UnsafePointer(d)
    }

    deinit {
        even.deallocate()
        odd.deallocate()
        d.deallocate()
        s.deallocate()
        evenK.deallocate()
        oddK.deallocate()
        dK.deallocate()
        sumsK.deallocate()
        bytes?.deallocate()
        bytesK?.deallocate()
    }

    /// Points at new Float rows (row-major, `cols` apart); quantisation happens on demand.
    func set(_ x: UnsafePointer<Float>, rows: Int, cols: Int) {
        precondition(rows <= capacityRows && cols <= maxCols && cols % 32 == 0)
        self.x = x
        self.rows = rows
        self.cols = cols
        preparedType = nil
        preparedQ8_K = false
        preparedBytes = false
        preparedBytesK = false
    }

    /// Quantises for weights of `type` as llama.cpp does for their vec_dot_type: Q8_1
    /// for Q4_1, Q8_0 for Q8_0 and Q5_0, Q8_K for Q4_K and Q6_K; floats need nothing.
    func prepare(for type: GGMLType) {
        switch type {
        case .q4_K, .q6_K:
            guard !preparedQ8_K else { return }
            precondition(cols % 256 == 0, "Q8_K activations need a multiple of 256 columns, got \(cols)")
            let bytes = rows >= 8 ? bytesK : nil
            for r in 0..<rows {
                Q8_KActivations.quantizeRow(x + r * cols, cols, evenK + 16 * r, oddK + 16 * r, dK + r, sumsK + r, stride: rows,
                                            bytes: bytes.map { $0 + 32 * r })
            }
            preparedQ8_K = true
            preparedBytesK = bytes != nil
        case .q4_1, .q8_0, .q5_0:
            let needed: GGMLType = type == .q4_1 ? .q4_1 : .q8_0
            // Q8_1's values and scales are Q8_0's, so a Q8_1 preparation serves both.
            if preparedType != needed, preparedType != .q4_1 {
                for r in 0..<rows {
                    Kernels.quantizeRow(x + r * cols, cols, even + 16 * r, odd + 16 * r, d + r, needed == .q4_1 ? s + r : nil, stride: rows)
                }
                preparedType = needed
            }
            if type != .q4_1, vnniTokens, !preparedBytes, let bytes {
                #if arch(x86_64)
                Q8_0Bytes.convert(even: even, odd: odd, blocks: rows * cols / 32, bytes: bytes)
                #endif
                preparedBytes = true
            }
        default:
            return
        }
    }

    var blocksPerRow: Int { cols / 32 }

    /// The VNNI tiles serve this batch (Q5_0 and Q8_0 weights).
    var vnniTokens: Bool { useVNNI && rows >= 8 }

    /// `bytes` once `prepare` filled it for this batch, else nil.
    var preparedBytesVNNI: UnsafePointer<UInt8>? { preparedBytes ? bytes.map { UnsafePointer($0) } : nil }
}
