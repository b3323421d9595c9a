// Q5_1 kernels for AVX2 + FMA + F16C: one block per step, codes rebuilt in registers.
#if defined(__x86_64__)

#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q5_1/q5_1.h"

namespace edgellm::quant::q5_1 {
namespace {

// The 32 codes of a block, one per byte, in [0, 31].
inline __m256i Codes(const BlockQ5_1& b) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, sizeof qh);
  const __m256i high = _mm256_and_si256(x86::BitsToBytes32(qh), _mm256_set1_epi8(0x10));
  return _mm256_or_si256(x86::UnpackNibbles32(b.qs), high);
}

void ToFloatAvx2(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ5_1*>(vx);
  for (int64_t i = 0; i < n / kBlockSize; ++i, y += kBlockSize) {
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d));
    const __m256 m = _mm256_set1_ps(x86::HalfToFloat(x[i].m));
    const __m256i q = Codes(x[i]);
    const __m128i lo = _mm256_castsi256_si128(q);
    const __m128i hi = _mm256_extracti128_si256(q, 1);
    // Multiply, then add: ggml rounds twice (no fused multiply-add).
    const __m128i parts[4] = {lo, _mm_unpackhi_epi64(lo, lo), hi, _mm_unpackhi_epi64(hi, hi)};
    for (int k = 0; k < 4; ++k) {
      const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(parts[k]));
      _mm256_storeu_ps(y + 8 * k, _mm256_add_ps(_mm256_mul_ps(v, d), m));
    }
  }
}

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ5_1*>(vx);
  const auto* y = static_cast<const BlockQ8_1*>(vy);
  __m256 acc = _mm256_setzero_ps();
  float sum_m = 0.0f;
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    const __m256i q = Codes(x[i]);
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d));
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(x86::DotU8I8(q, a)), acc);
    sum_m += x86::HalfToFloat(x[i].m) * x86::HalfToFloat(y[i].s);
  }
  *s = x86::HsumPs(acc) + sum_m;
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, nullptr, nullptr, ToFloatAvx2});
}  // namespace avx2

}  // namespace edgellm::quant::q5_1

#endif  // __x86_64__
