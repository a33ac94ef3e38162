// The AVX-512 VNNI instructions the embedded model's prompt kernels use, as functions
// Swift can call: clang's 256-bit forms are macros, which Swift does not import.
// Each is inlined into Swift code compiled for a CPU with these features
// (InferenceVNNI, `-target-cpu cascadelake`); it must never run on a CPU without them
// (Inference checks the CPU before choosing these kernels).
#ifndef ASSISTD_CVNNI_H
#define ASSISTD_CVNNI_H

#if defined(__x86_64__)
#include <immintrin.h>

#define ASSISTD_VNNI_INLINE static inline __attribute__((always_inline, target("avx512f,avx512vl,avx512bw,avx512vnni")))

/// Lane k: acc[k] + Σ_{j<4} u[4k+j]·s[4k+j], with u unsigned and s signed bytes (vpdpbusd).
ASSISTD_VNNI_INLINE __m256i assistd_dpbusd256(__m256i acc, __m256i u, __m256i s) {
    return _mm256_dpbusd_epi32(acc, u, s);
}

/// Lane k: acc[k] + a[2k]·b[2k] + a[2k+1]·b[2k+1], signed 16-bit values (vpdpwssd).
ASSISTD_VNNI_INLINE __m256i assistd_dpwssd256(__m256i acc, __m256i a, __m256i b) {
    return _mm256_dpwssd_epi32(acc, a, b);
}

/// `assistd_dpwssd256` that LLVM keeps as one instruction: for the cascadelake tuning its
/// machine combiner splits `vpdpwssd` chains into `vpmaddwd` + `vpaddd` (three operations
/// where one fused one does; measured slower in the Q4_K/Q6_K prompt tiles).
ASSISTD_VNNI_INLINE __m256i assistd_dpwssd256_fused(__m256i acc, __m256i a, __m256i b) {
    __asm__("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
    return acc;
}

/// Lane k: a[2k]·b[2k] + a[2k+1]·b[2k+1] as a signed 16-bit sum with saturation, a unsigned
/// and b signed bytes (vpmaddubsw, AVX2; here so that Swift gets it as one instruction).
ASSISTD_VNNI_INLINE __m256i assistd_maddubs256(__m256i a, __m256i b) {
    return _mm256_maddubs_epi16(a, b);
}

/// Byte k of each 16-byte half: table[idx[k] & 15] of that half, or 0 where idx[k] has
/// its top bit set (vpshufb, AVX2).
ASSISTD_VNNI_INLINE __m256i assistd_shuffle_bytes256(__m256i table, __m256i idx) {
    return _mm256_shuffle_epi8(table, idx);
}
#endif

#endif
