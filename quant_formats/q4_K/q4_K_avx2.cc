// q4_K x q8_K dot product, AVX2: 4-bit quants widened in registers, u8 x s8 products with
// vpmaddubsw, sub-block scales applied with vpmaddwd, one float multiply per super-block. Same
// operation order as ggml's AVX2 kernel, so the result is the same float.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/common/scale_min_k4_x86.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ4_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m256i m4 = _mm256_set1_epi8(0xF);
  // Byte shuffles that broadcast 16-bit word j (scale of sub-block j) over a 128-bit lane.
  __m256i pick[8];
  for (int j = 0; j < 8; ++j) pick[j] = _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0202 * j));
  __m256 acc = _mm256_setzero_ps();
  __m128 acc_m = _mm_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = y[i].d * x86::HalfToFloat(x[i].d);
    const float dmin = -y[i].d * x86::HalfToFloat(x[i].dmin);
    const __m256i sm16 = _mm256_cvtepu8_epi16(x86::ScalesMinsK4(x[i].scales));

    // Min term: sum_j m[j] * (sum of the 32 activations of sub-block j).
    const __m128i bs_lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums));
    const __m128i bs_hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums + 8));
    const __m128i mins_prod =
        _mm_madd_epi16(_mm256_extracti128_si256(sm16, 1), _mm_hadd_epi16(bs_lo, bs_hi));
    acc_m = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(mins_prod), acc_m);

    const __m256i sc16 = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(sm16));
    const uint8_t* q4 = x[i].qs;
    const int8_t* q8 = y[i].qs;
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < kQK_K / 64; ++c, q4 += 32, q8 += 64) {
      const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q4));
      const __m256i lo = _mm256_and_si256(bits, m4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
      // |q4 * q8| pairs <= 2 * 15 * 127: no int16 saturation.
      const __m256i p_lo =
          _mm256_maddubs_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8)));
      const __m256i p_hi =
          _mm256_maddubs_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8 + 32)));
      const __m256i s_lo = _mm256_madd_epi16(_mm256_shuffle_epi8(sc16, pick[2 * c]), p_lo);
      const __m256i s_hi = _mm256_madd_epi16(_mm256_shuffle_epi8(sc16, pick[2 * c + 1]), p_hi);
      sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(s_lo, s_hi));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  acc_m = _mm_add_ps(acc_m, _mm_movehl_ps(acc_m, acc_m));
  acc_m = _mm_add_ss(acc_m, _mm_movehdup_ps(acc_m));
  *s = x86::HsumPs(acc) + _mm_cvtss_f32(acc_m);
}

}  // namespace edgellm::quant::q4_K

#endif  // defined(__x86_64__)
