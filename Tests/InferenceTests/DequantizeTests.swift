import XCTest
@testable import Inference

final class DequantizeTests: XCTestCase {
    private func half(_ x: Float) -> [UInt8] { withUnsafeBytes(of: Float16(x).bitPattern.littleEndian) { Array($0) } }

    func testQ4_1Block() {
        // d = 0.5, m = -1; byte j holds element j (low nibble) and j + 16 (high nibble).
        var block = half(0.5) + half(-1)
        for j in 0..<16 { block.append(UInt8(j) | UInt8(15 - j) << 4) }
        let values = block.withUnsafeBytes { Dequantize.row(.q4_1, $0.baseAddress!, count: 32) }
        for j in 0..<16 {
            XCTAssertEqual(values[j], 0.5 * Float(j) - 1)
            XCTAssertEqual(values[j + 16], 0.5 * Float(15 - j) - 1)
        }
    }

    func testQ8_0Block() {
        var block = half(0.25)
        for j in 0..<32 { block.append(UInt8(bitPattern: Int8(j * 8 - 128))) }
        let values = block.withUnsafeBytes { Dequantize.row(.q8_0, $0.baseAddress!, count: 32) }
        for j in 0..<32 { XCTAssertEqual(values[j], 0.25 * Float(j * 8 - 128)) }
    }

    /// Q5_0, Q4_K and Q6_K rows of the Qwen2.5-Coder Q4_K_M file and random blocks
    /// dequantise to exactly the `gguf` package's numpy values.
    func testKQuantsAndQ5_0MatchTheNumpyReference() throws {
        for type in [GGMLType.q5_0, .q4_K, .q6_K] {
            let f = try QuantFixture(type)
            XCTAssertEqual(f.values.count, f.blockCount * f.layout.elements)
            XCTAssertGreaterThan(f.realRows, 0)
            let values = f.blocks.withUnsafeBytes { Dequantize.row(type, $0.baseAddress!, count: f.values.count) }
            var mismatches = 0
            for i in values.indices where values[i].bitPattern != f.values[i].bitPattern {
                if mismatches < 5 { XCTFail("\(type.name) element \(i): \(values[i]) != \(f.values[i])") }
                mismatches += 1
            }
            XCTAssertEqual(mismatches, 0, type.name)
        }
    }

    func testF16Row() {
        let inputs: [Float] = [0, 1, -2.5, 65504, 0.000061035156, -0.099975586]
        let bytes = inputs.flatMap(half)
        let values = bytes.withUnsafeBytes { Dequantize.row(.f16, $0.baseAddress!, count: inputs.count) }
        XCTAssertEqual(values, inputs.map { Float(Float16($0)) })
        XCTAssertEqual(values[2], -2.5)
        XCTAssertEqual(values[3], 65504)
    }

    func testQ4_1KernelMatchesDequantisedDot() {
        // The integer kernel computes d_w*d_x*Σq_w*q_x + m_w*s_x, which equals the
        // dot of the dequantised weights with the dequantised activations.
        var row: [UInt8] = []
        var seed: UInt64 = 7
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        for b in 0..<4 {
            row += half(0.01 * Float(b + 1)) + half(-0.03)
            for _ in 0..<16 { row.append(UInt8(next() & 0xFF)) }
        }
        let x: [Float] = (0..<128).map { _ in Float(Int(next() % 200) - 100) / 37 }
        var even = [Int16](repeating: 0, count: 64), odd = [Int16](repeating: 0, count: 64)
        var d = [Float](repeating: 0, count: 4), s = [Float](repeating: 0, count: 4)
        Kernels.quantizeRow(x, 128, &even, &odd, &d, &s)
        var q: [Int16] = []
        for i in 0..<128 {
            let half = i % 2 == 0 ? even : odd
            q.append(half[16 * (i / 32) + (i % 32) / 2])
        }
        let w = row.withUnsafeBytes { Dequantize.row(.q4_1, $0.baseAddress!, count: 128) }
        var packed = row
        packed.withUnsafeMutableBufferPointer { PackedQ4_1.repack($0.baseAddress!, rows: 1, blocksPerRow: 4) }
        let dd = UnsafeMutablePointer<Float>.allocate(capacity: 8 * 4 + 8)
        defer { dd.deallocate() }
        let dot = packed.withUnsafeBufferPointer { PackedQ4_1.dot($0.baseAddress!, even, odd, d, s, 4, dd) }
        // The four-row and four-token kernels compute each dot exactly as the single one.
        let fourRows = (packed + packed + packed + packed).withUnsafeBufferPointer { PackedQ4_1.dot4Rows($0.baseAddress!, 80, even, odd, d, s, 4, dd) }
        XCTAssertEqual([fourRows.0, fourRows.1, fourRows.2, fourRows.3], [dot, dot, dot, dot])
        // Four identical tokens, interleaved block by block as Activations stores a batch.
        func interleaved<T>(_ v: [T], _ width: Int) -> [T] {
            (0..<v.count / width).flatMap { b in Array(repeating: Array(v[width * b..<width * (b + 1)]), count: 4).joined() }
        }
        let fourTokens = packed.withUnsafeBufferPointer {
            PackedQ4_1.rowScales($0.baseAddress!, 4, dd + 16)
            return PackedQ4_1.dot4Tokens($0.baseAddress!, dd + 16, interleaved(even, 16), interleaved(odd, 16), interleaved(d, 1), interleaved(s, 1), 4, 4, dd)
        }
        XCTAssertEqual(fourTokens, SIMD4(repeating: dot))
        // Same formula in Double from the block fields: Σ_b d_w·d_x·Σq_w·q_x + m_w·s_x.
        var exact: Double = 0
        for b in 0..<4 {
            let dw = Double(Float(Float16(0.01 * Float(b + 1)))), mw = Double(Float(Float16(-0.03)))
            var sum = 0
            for j in 0..<32 { sum += Int((w[32 * b + j] - Float(mw)) / Float(dw) + 0.5) * Int(q[32 * b + j]) }
            exact += dw * Double(d[b]) * Double(sum) + mw * Double(s[b])
        }
        XCTAssertEqual(Double(dot), exact, accuracy: 1e-5 * max(1, abs(exact)))
        // Against the float dot of dequantised weights and the original activations,
        // only the activation quantisation error remains.
        var reference: Double = 0
        for i in 0..<128 { reference += Double(w[i]) * Double(x[i]) }
        XCTAssertEqual(Double(dot), reference, accuracy: 0.05 * max(1, abs(reference)))
        // And the quantised activations are close to the originals (d is stored as Float16).
        for i in 0..<128 { XCTAssertEqual(Float(q[i]) * d[i / 32], x[i], accuracy: d[i / 32] * 0.6) }
    }
}
