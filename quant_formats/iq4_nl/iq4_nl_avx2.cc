// IQ4_NL kernels for AVX2 + FMA + F16C: one block per step; codes become codebook values with one
// byte shuffle.
#if defined(__x86_64__)

#include "quant_formats/common/x86_simd.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl {
namespace {

// The codebook in both 128-bit lanes, for _mm256_shuffle_epi8.
inline __m256i Codebook() {
  return _mm256_broadcastsi128_si256(
      _mm_load_si128(reinterpret_cast<const __m128i*>(kValuesIq4Nl)));
}

inline __m256i CodebookValues(const BlockIQ4_NL& b, __m256i table) {
  return _mm256_shuffle_epi8(table, x86::UnpackNibbles32(b.qs));
}

}  // namespace

void ToFloatAvx2(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockIQ4_NL*>(vx);
  const __m256i table = Codebook();
  for (int64_t i = 0; i < n / kBlockSize; ++i, y += kBlockSize) {
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d));
    const __m256i v = CodebookValues(x[i], table);
    const __m128i lo = _mm256_castsi256_si128(v);
    const __m128i hi = _mm256_extracti128_si256(v, 1);
    const __m128i parts[4] = {lo, _mm_unpackhi_epi64(lo, lo), hi, _mm_unpackhi_epi64(hi, hi)};
    for (int k = 0; k < 4; ++k) {
      _mm256_storeu_ps(y + 8 * k,
                       _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[k]))));
    }
  }
}

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockIQ4_NL*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  const __m256i table = Codebook();
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    const __m256i v = CodebookValues(x[i], table);
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
    // Both signed: move v's sign onto a so maddubs gets |v| unsigned (|v| <= 127).
    const __m256i p = x86::DotU8I8(_mm256_sign_epi8(v, v), _mm256_sign_epi8(a, v));
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d));
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc);
  }
  *s = x86::HsumPs(acc);
}

}  // namespace edgellm::quant::iq4_nl

#endif  // __x86_64__
