// The AVX-512 VNNI instructions the embedded model's prompt kernels use, as functions
// Swift can call: clang's 256-bit forms are macros, which Swift does not import.
// Each is inlined into Swift code compiled for a CPU with these features
// (InferenceVNNI, `-target-cpu cascadelake`); it must never run on a CPU without them
// (Inference checks the CPU before choosing these kernels).
#ifndef ASSISTD_CVNNI_H
#define ASSISTD_CVNNI_H

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define ASSISTD_VNNI_INLINE static inline __attribute__((always_inline, target("avx512f,avx512vl,avx512bw,avx512vnni")))

/// Lane k: acc[k] + Σ_{j<4} u[4k+j]·s[4k+j], with u unsigned and s signed bytes (vpdpbusd).
ASSISTD_VNNI_INLINE __m256i assistd_dpbusd256(__m256i acc, __m256i u, __m256i s) {
    return _mm256_dpbusd_epi32(acc, u, s);
}

/// Lane k: acc[k] + a[2k]·b[2k] + a[2k+1]·b[2k+1], signed 16-bit values (vpdpwssd).
ASSISTD_VNNI_INLINE __m256i assistd_dpwssd256(__m256i acc, __m256i a, __m256i b) {
    return _mm256_dpwssd_epi32(acc, a, b);
}

/// A Q5_0 block repacked by Inference's PackedQ5_0 ([d][UInt32 missing][16 nibble bytes],
/// nibble byte j = element 2j low, 2j + 1 high; bit j / 16 + j of `missing` set when the
/// fifth bit of element 2j / 2j + 1 is clear) as its 32 values (−16…15) in signed bytes,
/// byte i = element i. A value is its nibble, or the nibble − 16 = nibble | 0xF0 when the
/// fifth bit is clear: the two masked adds (AVX-512 BW) do that for the even and odd bytes.
ASSISTD_VNNI_INLINE __m256i assistd_q5_0_packed_values(const uint8_t *block) {
    uint32_t missing;
    memcpy(&missing, block + 2, 4);
    __m256i b = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(block + 6)));
    // 16-bit lane j: element 2j's nibble in the low byte, 2j + 1's in the high byte.
    __m256i v = _mm256_and_si256(_mm256_or_si256(b, _mm256_slli_epi16(b, 4)), _mm256_set1_epi16(0x0F0F));
    v = _mm256_mask_add_epi16(v, (__mmask16)missing, v, _mm256_set1_epi16(0x00F0));
    return _mm256_mask_add_epi16(v, (__mmask16)(missing >> 16), v, _mm256_set1_epi16((short)0xF000));
}

/// ggml's block_q5_0 ([d][qh: bit i = element i's fifth bit][byte k: element k low, k + 16 high])
/// as its 32 values (−16…15) in signed bytes, byte i = element i.
ASSISTD_VNNI_INLINE __m256i assistd_q5_0_ggml_values(const uint8_t *block) {
    uint32_t qh;
    memcpy(&qh, block + 2, 4);
    __m128i n = _mm_loadu_si128((const __m128i *)(block + 6));
    __m256i v = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(n, 4), n), _mm256_set1_epi8(0x0F));
    return _mm256_mask_add_epi8(v, (__mmask32)~qh, v, _mm256_set1_epi8((char)0xF0));
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
