// AVX-512 kernels of f16 (build with the AVX-512 flags; needs F/BW/VL/DQ). Conversions use
// vcvtph2ps / vcvtps2ph with round-to-nearest-even, never fp16.h (see f16_avx2.cc). Tails use
// masked loads and stores, so no element is read or written past n.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/x86_simd.h"  // immintrin.h without GCC 12's false warnings
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16 {
namespace {

inline __m512 Load16(const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

inline __m512 LoadMasked(__mmask16 m, const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

inline __mmask16 TailMask(int64_t count) { return static_cast<__mmask16>((1u << count) - 1); }

}  // namespace

void ToFloatAvx512(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, Load16(h + i));
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    _mm512_mask_storeu_ps(y + i, m, LoadMasked(m, h + i));
  }
}

void FromFloatAvx512(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + i),
                        _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    _mm256_mask_storeu_epi16(
        h + i, m, _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, x + i), _MM_FROUND_TO_NEAREST_INT));
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const uint16_t*>(x);
  const auto* b = static_cast<const uint16_t*>(y);
  // Four accumulators: 64 halves per iteration keep the FMA pipes busy.
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
    const __mmask16 m = TailMask(n - i);
    acc1 = _mm512_fmadd_ps(LoadMasked(m, a + i), LoadMasked(m, b + i), acc1);
  }
  *s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

}  // namespace edgellm::quant::f16

#endif  // __x86_64__
