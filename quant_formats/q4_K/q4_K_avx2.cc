// q4_K x q8_K dot product, AVX2: 4-bit quants widened in registers, u8 x s8 products with
// vpmaddubsw, sub-block scales applied with vpmaddwd, one float multiply per super-block.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>

#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {
namespace {

float HsumF32x8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

float HsumF32x4(__m128 s) {
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ4_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m256i m4 = _mm256_set1_epi8(0xF);
  __m256 acc = _mm256_setzero_ps();
  __m128 acc_m = _mm_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = y[i].d * _cvtsh_ss(x[i].d);
    const float dmin = -y[i].d * _cvtsh_ss(x[i].dmin);

    uint32_t sm[4];  // bytes: scales 0..7, mins 0..7
    UnpackScalesMinsK4(x[i].scales, sm);
    const __m256i sm16 = _mm256_cvtepu8_epi16(_mm_set_epi32(sm[3], sm[2], sm[1], sm[0]));

    // Min term: sum_j m[j] * (sum of the 32 activations of sub-block j).
    const __m128i bs_lo = _mm_loadu_si128((const __m128i*)y[i].bsums);
    const __m128i bs_hi = _mm_loadu_si128((const __m128i*)(y[i].bsums + 8));
    const __m128i sub_sums = _mm_hadd_epi16(bs_lo, bs_hi);
    const __m128i mins_prod = _mm_madd_epi16(_mm256_extracti128_si256(sm16, 1), sub_sums);
    acc_m = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(mins_prod), acc_m);

    // 16-bit scales in both lanes; scale j broadcast by a byte shuffle of words j.
    const __m256i sc16 = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(sm16));
    const uint8_t* q4 = x[i].qs;
    const int8_t* q8 = y[i].qs;
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < kQK_K / 64; ++c, q4 += 32, q8 += 64) {
      const __m256i scale_l = _mm256_shuffle_epi8(sc16, _mm256_set1_epi16((4 * c + 1) << 8 | 4 * c));
      const __m256i scale_h =
          _mm256_shuffle_epi8(sc16, _mm256_set1_epi16((4 * c + 3) << 8 | (4 * c + 2)));
      const __m256i bits = _mm256_loadu_si256((const __m256i*)q4);
      const __m256i lo = _mm256_and_si256(bits, m4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
      // |q4 * q8| pairs <= 2 * 15 * 127: no int16 saturation.
      const __m256i p_lo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i*)q8));
      const __m256i p_hi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i*)(q8 + 32)));
      sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(_mm256_madd_epi16(scale_l, p_lo),
                                                     _mm256_madd_epi16(scale_h, p_hi)));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  *s = HsumF32x8(acc) + HsumF32x4(acc_m);
}

}  // namespace edgellm::quant::q4_K

#endif  // defined(__x86_64__)
