import Foundation

/// The x86-64 build uses AVX2/FMA/F16C (`-target-cpu haswell`, see Package.swift);
/// refuse to run on an older CPU with a clear error instead of a SIGILL mid-way.
enum CPUFeatures {
    static func check() throws {
        #if arch(x86_64) && os(Linux)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let flags = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "\t" }).map(String.init))
        let missing = ["avx2", "fma", "f16c"].filter { !flags.contains($0) }
        if !missing.isEmpty {
            throw InferenceError.unsupportedCPU("missing \(missing.joined(separator: ", ")); the x86-64 build needs AVX2+FMA+F16C (Haswell or newer)")
        }
        #endif
    }
}
