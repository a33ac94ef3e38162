import XCTest
@testable import Inference

/// The 16-lane exp and SwiGLU against their scalar forms, bit for bit, including
/// lanes outside the polynomial's range (which take the scalar path).
final class GGMLNumericsTests: XCTestCase {
    func testExp16EqualsScalarExpInEveryLane() {
        let special: [Float] = [0, -0, 1, -1, 88.7, 88.8, -87.3, -103.9, -104, 133, 134, -134, -140, 200, -200,
                                .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var inputs: [Float] = special
        var x: Float = -150
        while x < 150 { inputs.append(x); x += 0.731 }
        // Every window of 16, so extreme lanes sit beside ordinary ones at every position.
        for start in 0...(inputs.count - 16) {
            var v = SIMD16<Float>()
            for i in 0..<16 { v[i] = inputs[start + i] }
            let r = GGMLNumerics.exp16(v)
            for i in 0..<16 {
                let expected = GGMLNumerics.exp(v[i])
                XCTAssertTrue(r[i].bitPattern == expected.bitPattern || (r[i].isNaN && expected.isNaN),
                              "exp(\(v[i])): \(r[i]), scalar \(expected)")
            }
        }
    }

    func testSwiglu16EqualsScalarSiluTimesUp() {
        var v = SIMD16<Float>(), u = SIMD16<Float>()
        for round in 0..<64 {
            for i in 0..<16 {
                v[i] = Float(round * 16 + i - 512) * 0.37
                u[i] = Float(i) * 0.25 - 1.5
            }
            let r = GGMLNumerics.swiglu16(v, u)
            for i in 0..<16 {
                XCTAssertEqual(r[i].bitPattern, (GGMLNumerics.silu(v[i]) * u[i]).bitPattern, "silu(\(v[i])) · \(u[i])")
            }
        }
    }
}
