// AVX2 + F16C kernels of f16 (build with -mavx2 -mfma -mf16c). Conversions use F16C
// (vcvtph2ps / vcvtps2ph with round-to-nearest-even), never fp16.h, whose external-linkage inline
// functions must not be compiled with ISA flags.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/x86_simd.h"
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16 {
namespace {

inline __m256 Load8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

}  // namespace

void ToFloatAvx2(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, Load8(h + i));
  for (; i < n; ++i) y[i] = _cvtsh_ss(h[i]);
}

void FromFloatAvx2(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) h[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

void VecDotAvx2(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const uint16_t*>(x);
  const auto* b = static_cast<const uint16_t*>(y);
  // Four accumulators: 32 halves per iteration keep the FMA pipes busy.
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps();
  __m256 acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(Load8(a + i), Load8(b + i), acc0);
    acc1 = _mm256_fmadd_ps(Load8(a + i + 8), Load8(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(Load8(a + i + 16), Load8(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(Load8(a + i + 24), Load8(b + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(Load8(a + i), Load8(b + i), acc0);
  float sum = x86::HsumPs(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += _cvtsh_ss(a[i]) * _cvtsh_ss(b[i]);
  *s = sum;
}

}  // namespace edgellm::quant::f16

#endif  // __x86_64__
