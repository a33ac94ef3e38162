/// Software prefetch. Swift has no spelling for it, so this binds LLVM's
/// intrinsic by name (the call lowers to `prefetcht0`; never a fault, even past
/// the end of a mapping). Used to pull the weight rows a kernel reads next.
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cacheType: Int32)

enum Prefetch {
    @inline(__always)
    static func read(_ address: UnsafeRawPointer) { llvmPrefetch(address, 0, 3, 1) }
}
