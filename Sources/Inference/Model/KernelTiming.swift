import Foundation

/// Times the matmul of one weight tensor of a GGUF file the way a forward pass runs
/// it (activations quantised for the weight type, rows split over the worker pool),
/// for the benchmark's per-kernel table.
public enum KernelTiming {
    public struct Result: Sendable {
        public let tensor: String
        public let type: GGMLType
        public let rows: Int
        public let cols: Int
        public let tokens: Int
        /// Median seconds per matmul (quantising the activations included).
        public let seconds: Double
        /// The least CPU time the calling thread spent on one matmul: with one thread it
        /// did all the work, and CPU time leaves out the time other processes took the core,
        /// so on a loaded machine this is the steadier figure for comparing kernels.
        public let callerCPUSeconds: Double
    }

    public static func measure(_ file: GGUFFile, tensor name: String, tokens: Int, threads: Int, iterations: Int) throws -> Result {
        let info = try file.requireTensor(name)
        guard info.dims.count == 2 else { throw GGUFError.badTensorShape(tensor: name, detail: "\(info.dims), expected a matrix") }
        let cols = info.dims[0], rows = info.dims[1]
        let weight = try WeightMatrix(file, name, cols: cols, rows: rows).packedForMatmul()
        let pool = WorkerPool(threads: threads)
        defer { pool.shutdown() }
        let scratch = (0..<pool.threadCount).map { _ in MatmulScratch(maxCols: cols) }
        let input = Activations(capacityRows: tokens, maxCols: cols)
        var seed: UInt64 = 42
        let x: [Float] = (0..<tokens * cols).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(seed >> 40) % 2001 - 1000) / 1000
        }
        var out = [Float](repeating: 0, count: tokens * rows)
        var times: [Double] = []
        var cpuTimes: [Double] = []
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                let target = MatmulTarget(weight: weight, out: op.baseAddress!, outStride: rows)
                for i in 0...iterations {
                    let start = DispatchTime.now().uptimeNanoseconds
                    let cpuStart = threadCPUSeconds()
                    input.set(xp.baseAddress!, rows: tokens, cols: cols)
                    Matmul.run([target], input, pool: pool, scratch: scratch)
                    // The first run pages the tensor in; it is not counted.
                    if i > 0 {
                        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                        cpuTimes.append(threadCPUSeconds() - cpuStart)
                    }
                }
            }
        }
        times.sort()
        return Result(tensor: name, type: info.type, rows: rows, cols: cols, tokens: tokens, seconds: times[times.count / 2],
                      callerCPUSeconds: cpuTimes.min() ?? 0)
    }

    private static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
