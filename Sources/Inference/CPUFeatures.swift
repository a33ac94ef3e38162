import Foundation

/// The x86-64 build uses AVX2/FMA/F16C (`-target-cpu haswell`, see Package.swift);
/// refuse to run on an older CPU with a clear error instead of a SIGILL mid-way.
/// The prompt kernels of InferenceVNNI need AVX-512 VNNI as well; they are chosen
/// only when the CPU says it has every feature their build assumes.
enum CPUFeatures {
    static func check() throws {
        #if arch(x86_64) && os(Linux)
        guard let flags = cpuFlags else { return }
        let missing = ["avx2", "fma", "f16c"].filter { !flags.contains($0) }
        if !missing.isEmpty {
            throw InferenceError.unsupportedCPU("missing \(missing.joined(separator: ", ")); the x86-64 build needs AVX2+FMA+F16C (Haswell or newer)")
        }
        #endif
    }

    /// What InferenceVNNI is compiled for (`cascadelake`): AVX-512 F/CD/BW/DQ/VL and VNNI.
    static let vnniFlags = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni"]

    /// The CPU can run InferenceVNNI's kernels.
    static let hasVNNI: Bool = {
        #if arch(x86_64) && os(Linux)
        guard let flags = cpuFlags else { return false }
        return vnniFlags.allSatisfy(flags.contains)
        #else
        return false
        #endif
    }()

    /// The prompt kernels to use: VNNI's when the CPU has it, unless `ASSISTD_KERNELS=avx2`
    /// asks for the AVX2 ones (to compare the two; both give the same bits).
    static let useVNNI: Bool = hasVNNI && ProcessInfo.processInfo.environment["ASSISTD_KERNELS"] != "avx2"

    /// The `flags` line of /proc/cpuinfo (Linux reports only what the kernel enabled).
    private static let cpuFlags: Set<String>? = {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        return Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "\t" }).map(String.init))
    }()
}
