// Q4_0 kernels for AVX2 + FMA + F16C: one block per step, codes unpacked in registers.
#if defined(__x86_64__)

#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0 {

void ToFloatAvx2(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ4_0*>(vx);
  for (int64_t i = 0; i < n / kBlockSize; ++i, y += kBlockSize) {
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d));
    const __m256i q = _mm256_sub_epi8(x86::UnpackNibbles32(x[i].qs), _mm256_set1_epi8(8));
    const __m128i lo = _mm256_castsi256_si128(q);
    const __m128i hi = _mm256_extracti128_si256(q, 1);
    const __m128i parts[4] = {lo, _mm_unpackhi_epi64(lo, lo), hi, _mm_unpackhi_epi64(hi, hi)};
    for (int k = 0; k < 4; ++k) {
      const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[k]));
      _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(v, d));
    }
  }
}

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ4_0*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    const __m256i q = x86::UnpackNibbles32(x[i].qs);
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
    // sum((q - 8) * a) = sum(q * a) - sum(8 * a): keeps maddubs' unsigned operand unsigned.
    const __m256i p16 =
        _mm256_sub_epi16(_mm256_maddubs_epi16(q, a), _mm256_maddubs_epi16(eight, a));
    const __m256i p32 = _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d));
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p32), acc);
  }
  *s = x86::HsumPs(acc);
}

}  // namespace edgellm::quant::q4_0

#endif  // __x86_64__
