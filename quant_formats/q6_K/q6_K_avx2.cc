// q6_K x q8_K dot product, AVX2: 6-bit quants rebuilt in registers as unsigned bytes, multiplied
// with maddubs, scaled per group of 16 with madd; the -32 offset comes out once per block
// through the q8_K group sums.
#include "quant_formats/q6_K/q6_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q6k {

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockQ6K* x = static_cast<const BlockQ6K*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const __m256i m30 = _mm256_set1_epi8(0x30);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = y[i].d * x86::HalfToFloat(x[i].d);
    const int8_t* q8 = y[i].qs;
    __m256i sumi = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h, q8 += 128) {
      const __m256i scales = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(
          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[i].scales + 8 * h))));
      const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].ql + 64 * h));
      const __m256i l1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].ql + 64 * h + 32));
      const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh + 32 * h));
      // Weights 0-31, 32-63, 64-95, 96-127 of this half; the high bits land on bits 4-5.
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(l0, m4),
                          _mm256_and_si256(_mm256_slli_epi16(hb, 4), m30)),
          _mm256_or_si256(_mm256_and_si256(l1, m4),
                          _mm256_and_si256(_mm256_slli_epi16(hb, 2), m30)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                          _mm256_and_si256(hb, m30)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                          _mm256_and_si256(_mm256_srli_epi16(hb, 2), m30)),
      };
      for (int c = 0; c < 4; ++c) {
        const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8 + 32 * c));
        const __m256i p = _mm256_maddubs_epi16(q[c], yv);  // <= 2 * 63 * 127: no saturation
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(x86::ScalePair(scales, c), p));
      }
    }
    const __m256i sc16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales)));
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums));
    sumi = _mm256_sub_epi32(sumi, _mm256_slli_epi32(_mm256_madd_epi16(sc16, bsums), 5));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  *s = x86::HsumPs(acc);
}

}  // namespace edgellm::quant::q6k

#endif  // __x86_64__
