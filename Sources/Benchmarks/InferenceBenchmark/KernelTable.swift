import Foundation
import Inference

/// `--kernels`: per weight type of the file, the matmul of its largest layer tensor,
/// one token (decode) and a batch (prompt), timed as a forward pass runs them; then the
/// same on one thread as its least CPU time, the column to compare kernels by on a busy machine.
enum KernelTable {
    static func run(path: String, threads: Int, batch: Int, iterations: Int) throws {
        let file = try GGUFFile(path: path)
        var largest: [GGMLType: GGUFTensorInfo] = [:]
        for t in file.tensors where t.name.hasPrefix("blk.") && t.dims.count == 2 && t.type != .f32 {
            if let current = largest[t.type], current.elementCount >= t.elementCount { continue }
            largest[t.type] = t
        }
        print("model: \(path)")
        print("threads: \(threads), median of \(iterations) matmuls each (activation quantisation included)")
        print("")
        print("type   tensor                    rows×cols      1 token µs   GB/s    \(batch) tokens µs  µs/token  1-thread CPU µs/token: 1, \(batch)")
        for type in GGMLType.supported {
            guard let t = largest[type] else { continue }
            let one = try KernelTiming.measure(file, tensor: t.name, tokens: 1, threads: threads, iterations: iterations)
            let many = try KernelTiming.measure(file, tensor: t.name, tokens: batch, threads: threads, iterations: max(3, iterations / 4))
            let oneCPU = try KernelTiming.measure(file, tensor: t.name, tokens: 1, threads: 1, iterations: iterations).callerCPUSeconds
            let manyCPU = try KernelTiming.measure(file, tensor: t.name, tokens: batch, threads: 1, iterations: max(3, iterations / 4)).callerCPUSeconds
            let gbps = Double(t.byteCount) / one.seconds / 1e9
            func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
            print(pad(type.name, 6) + " " + pad(t.name, 25) + " " + pad("\(one.rows)×\(one.cols)", 13)
                  + String(format: " %11.1f %6.1f %13.1f %9.1f", one.seconds * 1e6, gbps, many.seconds * 1e6, many.seconds * 1e6 / Double(batch))
                  + String(format: " %14.1f %9.1f", oneCPU * 1e6, manyCPU * 1e6 / Double(batch)))
        }
    }
}
