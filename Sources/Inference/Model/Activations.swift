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
    private var preparedType: GGMLType?

    init(capacityRows: Int, maxCols: Int) {
        self.capacityRows = capacityRows
        self.maxCols = maxCols
        even = .allocate(capacity: capacityRows * maxCols / 2)
        odd = .allocate(capacity: capacityRows * maxCols / 2)
        d = .allocate(capacity: capacityRows * maxCols / 32)
        s = .allocate(capacity: capacityRows * maxCols / 32)
        x = UnsafePointer(d)
    }

    deinit {
        even.deallocate()
        odd.deallocate()
        d.deallocate()
        s.deallocate()
    }

    /// Points at new Float rows (row-major, `cols` apart); quantisation happens on demand.
    func set(_ x: UnsafePointer<Float>, rows: Int, cols: Int) {
        precondition(rows <= capacityRows && cols <= maxCols && cols % 32 == 0)
        self.x = x
        self.rows = rows
        self.cols = cols
        preparedType = nil
    }

    /// Quantises for weights of `type` (Q8_1-style for Q4_1, Q8_0 for Q8_0; floats need nothing).
    func prepare(for type: GGMLType) {
        guard type == .q4_1 || type == .q8_0, preparedType != type else { return }
        for r in 0..<rows {
            Kernels.quantizeRow(x + r * cols, cols, even + 16 * r, odd + 16 * r, d + r, type == .q4_1 ? s + r : nil, stride: rows)
        }
        preparedType = type
    }

    var blocksPerRow: Int { cols / 32 }
}
