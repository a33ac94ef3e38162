#if arch(x86_64)
/// How one weight format's 32-value block feeds `vpdpbusd`: its values as signed bytes
/// in element order (byte 4k…4k+3 = elements 4k…4k+3).
protocol VNNIBlock {
    /// Bytes per block; the Float16 d is at byte 0.
    static var blockBytes: Int { get }
    /// The block's 32 values as signed bytes in element order.
    static func values(_ block: UnsafeRawPointer) -> SIMD32<Int8>
}

/// One weight row against 16 or 8 tokens of a batch (the prompt's tiles). The activations
/// are unsigned bytes x + 128 (`vpdpbusd` multiplies unsigned by signed bytes), so per block
/// the weights' −128·(quad sums), one `vpdpbusd` shared by all the tile's tokens, starts each
/// token's sum: lane k of `vpdpbusd(−128·Σw, x + 128, w)` is Σ_{j<4} x·w over elements 4k + j,
/// exactly the AVX2 kernels' `vpmaddwd` pair sums. With the same float steps
/// (acc = fma(d_w·d_x, Float(lane), acc)) the accumulators are bit for bit theirs; the
/// caller reduces each token's 8 lanes (hsum_float_8).
///
/// Activations (Activations' VNNI copy): block b of token t at x + 32·(b·stride + t), its
/// d at xd[b·stride + t]. `scales` takes the 16·nb (or 8·nb) products d_w·d_x, formed a
/// block's worth per vector multiply before the loop, so the loop's FMAs read them as
/// broadcast memory operands.
enum VNNITile {
    /// The block's values and −128·(their quad sums).
    @inline(__always)
    static func block<W: VNNIBlock>(_: W.Type, _ row: UnsafeRawPointer, _ b: Int) -> (SIMD32<Int8>, SIMD8<Int32>) {
        let w = W.values(row + W.blockBytes * b)
        return (w, SIMD8<Int32>() &- VNNI.dotBytes(SIMD8<Int32>(), SIMD32(repeating: 128), w))
    }

    @inline(__always)
    static func weightScale<W: VNNIBlock>(_: W.Type, _ row: UnsafeRawPointer, _ b: Int) -> Float {
        Float(Float16(bitPattern: row.loadUnaligned(fromByteOffset: W.blockBytes * b, as: UInt16.self)))
    }

    @inline(__always)
    static func sixteen<W: VNNIBlock>(_: W.Type, _ row: UnsafeRawPointer, _ x: UnsafePointer<UInt8>,
                                      _ xd: UnsafePointer<Float>, _ stride: Int, _ nb: Int, _ scales: UnsafeMutablePointer<Float>,
                                      _ out: UnsafeMutablePointer<SIMD8<Float>>) {
        for b in 0..<nb {
            let dw = SIMD8<Float>(repeating: weightScale(W.self, row, b))
            let dx = UnsafeRawPointer(xd + b * stride)
            let s = UnsafeMutableRawPointer(scales + 16 * b)
            s.storeBytes(of: dw * dx.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            s.storeBytes(of: dw * dx.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), toByteOffset: 32, as: SIMD8<Float>.self)
        }
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        var a8 = SIMD8<Float>(), a9 = SIMD8<Float>(), a10 = SIMD8<Float>(), a11 = SIMD8<Float>()
        var a12 = SIMD8<Float>(), a13 = SIMD8<Float>(), a14 = SIMD8<Float>(), a15 = SIMD8<Float>()
        for b in 0..<nb {
            let (w, bias) = block(W.self, row, b)
            let xb = UnsafeRawPointer(x + 32 * b * stride), s = scales + 16 * b
            @inline(__always)
            func step(_ acc: inout SIMD8<Float>, _ t: Int) {
                let q = VNNI.dotBytes(bias, xb.loadUnaligned(fromByteOffset: 32 * t, as: SIMD32<UInt8>.self), w)
                acc = acc.addingProduct(SIMD8(repeating: s[t]), VNNI.float(q))
            }
            step(&a0, 0); step(&a1, 1); step(&a2, 2); step(&a3, 3)
            step(&a4, 4); step(&a5, 5); step(&a6, 6); step(&a7, 7)
            step(&a8, 8); step(&a9, 9); step(&a10, 10); step(&a11, 11)
            step(&a12, 12); step(&a13, 13); step(&a14, 14); step(&a15, 15)
        }
        out[0] = a0; out[1] = a1; out[2] = a2; out[3] = a3; out[4] = a4; out[5] = a5; out[6] = a6; out[7] = a7
        out[8] = a8; out[9] = a9; out[10] = a10; out[11] = a11; out[12] = a12; out[13] = a13; out[14] = a14; out[15] = a15
    }

    @inline(__always)
    static func eight<W: VNNIBlock>(_: W.Type, _ row: UnsafeRawPointer, _ x: UnsafePointer<UInt8>,
                                    _ xd: UnsafePointer<Float>, _ stride: Int, _ nb: Int, _ scales: UnsafeMutablePointer<Float>,
                                    _ out: UnsafeMutablePointer<SIMD8<Float>>) {
        for b in 0..<nb {
            let dx = UnsafeRawPointer(xd + b * stride).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(scales + 8 * b).storeBytes(of: SIMD8(repeating: weightScale(W.self, row, b)) * dx, as: SIMD8<Float>.self)
        }
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        for b in 0..<nb {
            let (w, bias) = block(W.self, row, b)
            let xb = UnsafeRawPointer(x + 32 * b * stride), s = scales + 8 * b
            @inline(__always)
            func step(_ acc: inout SIMD8<Float>, _ t: Int) {
                let q = VNNI.dotBytes(bias, xb.loadUnaligned(fromByteOffset: 32 * t, as: SIMD32<UInt8>.self), w)
                acc = acc.addingProduct(SIMD8(repeating: s[t]), VNNI.float(q))
            }
            step(&a0, 0); step(&a1, 1); step(&a2, 2); step(&a3, 3)
            step(&a4, 4); step(&a5, 5); step(&a6, 6); step(&a7, 7)
        }
        out[0] = a0; out[1] = a1; out[2] = a2; out[3] = a3; out[4] = a4; out[5] = a5; out[6] = a6; out[7] = a7
    }

    /// `tokens` is 16 or 8.
    @inline(__always)
    static func run<W: VNNIBlock>(_: W.Type, _ tokens: Int, _ row: UnsafePointer<UInt8>, _ x: UnsafePointer<UInt8>,
                                  _ xd: UnsafePointer<Float>, _ stride: Int, _ nb: Int, _ scales: UnsafeMutablePointer<Float>,
                                  _ out: UnsafeMutablePointer<SIMD8<Float>>) {
        if tokens == 16 {
            sixteen(W.self, UnsafeRawPointer(row), x, xd, stride, nb, scales, out)
        } else {
            precondition(tokens == 8, "VNNI tiles are 16 or 8 tokens, not \(tokens)")
            eight(W.self, UnsafeRawPointer(row), x, xd, stride, nb, scales, out)
        }
    }
}
#endif
