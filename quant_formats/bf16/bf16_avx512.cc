// AVX-512 kernels of bf16 (build with the AVX-512 flags; VecDotAvx512Bf16 needs AVX512_BF16, the
// rest F/BW/VL/DQ). Tails use masked loads and stores, so nothing is touched past n.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/bf16/bf16.h"
#include "quant_formats/common/x86_simd.h"  // immintrin.h without GCC 12's false warnings

namespace edgellm::quant::bf16 {
namespace {

inline __mmask16 TailMask16(int64_t count) { return static_cast<__mmask16>((1u << count) - 1); }

// 16 bf16 -> 16 floats: the bf16 bits are the top half of the fp32.
inline __m512 Widen(__m256i h) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

inline __m512 Load16(const uint16_t* p) {
  return Widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

inline __m512 LoadMasked16(__mmask16 m, const uint16_t* p) {
  return Widen(_mm256_maskz_loadu_epi16(m, p));
}

// 16 floats -> 16 bf16: round to nearest even, NaN quietened.
inline __m256i Round16(__m512 v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  const __m512i rounded =
      _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7fff))), 16);
  const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(64));
  const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                                _mm512_set1_epi32(0x7f800000));
  return _mm512_cvtepi32_epi16(_mm512_mask_blend_epi32(nan, rounded, quiet));
}

// vdpbf16ps takes bf16 vectors; the bits are the loaded 16-bit words (a GCC vector cast).
inline __m512bh AsBf16(__m512i v) { return (__m512bh)v; }

}  // namespace

void ToFloatAvx512(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, Load16(h + i));
  if (i < n) {
    const __mmask16 m = TailMask16(n - i);
    _mm512_mask_storeu_ps(y + i, m, LoadMasked16(m, h + i));
  }
}

void FromFloatAvx512(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + i), Round16(_mm512_loadu_ps(x + i)));
  }
  if (i < n) {
    const __mmask16 m = TailMask16(n - i);
    _mm256_mask_storeu_epi16(h + i, m, Round16(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const uint16_t*>(x);
  const auto* b = static_cast<const uint16_t*>(y);
  // Four accumulators: 64 values per iteration keep the FMA pipes busy.
  __m512 acc0 = _mm512_setzero_ps();
  __m512 acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps();
  __m512 acc3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_fmadd_ps(Load16(a + i), Load16(b + i), acc0);
    acc1 = _mm512_fmadd_ps(Load16(a + i + 16), Load16(b + i + 16), acc1);
    acc2 = _mm512_fmadd_ps(Load16(a + i + 32), Load16(b + i + 32), acc2);
    acc3 = _mm512_fmadd_ps(Load16(a + i + 48), Load16(b + i + 48), acc3);
  }
  for (; i + 16 <= n; i += 16) acc0 = _mm512_fmadd_ps(Load16(a + i), Load16(b + i), acc0);
  if (i < n) {  // masked lanes load as +0
    const __mmask16 m = TailMask16(n - i);
    acc1 = _mm512_fmadd_ps(LoadMasked16(m, a + i), LoadMasked16(m, b + i), acc1);
  }
  *s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

void VecDotAvx512Bf16(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const uint16_t*>(x);
  const auto* b = static_cast<const uint16_t*>(y);
  // Each vdpbf16ps consumes 32 pairs; two accumulators hide its latency.
  __m512 acc0 = _mm512_setzero_ps();
  __m512 acc1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_dpbf16_ps(acc0, AsBf16(_mm512_loadu_si512(a + i)),
                            AsBf16(_mm512_loadu_si512(b + i)));
    acc1 = _mm512_dpbf16_ps(acc1, AsBf16(_mm512_loadu_si512(a + i + 32)),
                            AsBf16(_mm512_loadu_si512(b + i + 32)));
  }
  if (i < n) {  // up to 63 left: one full step of 32 and / or a masked one (zeros add nothing)
    if (i + 32 <= n) {
      acc0 = _mm512_dpbf16_ps(acc0, AsBf16(_mm512_loadu_si512(a + i)),
                              AsBf16(_mm512_loadu_si512(b + i)));
      i += 32;
    }
    if (i < n) {
      const __mmask32 m = static_cast<__mmask32>((1ull << (n - i)) - 1);
      acc1 = _mm512_dpbf16_ps(acc1, AsBf16(_mm512_maskz_loadu_epi16(m, a + i)),
                              AsBf16(_mm512_maskz_loadu_epi16(m, b + i)));
    }
  }
  *s = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

}  // namespace edgellm::quant::bf16

#endif  // __x86_64__
