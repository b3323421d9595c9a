// q5_K x q8_K dot product, AVX2: low nibbles and high bits merged into 5-bit bytes in registers,
// u8 x s8 products with vpmaddubsw, sub-block scales with vpmaddwd, one float multiply per
// super-block. Same operation order as ggml's AVX2 kernel, so the result is the same float.
#if defined(__x86_64__)

#include <cmath>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/common/scale_min_k4_x86.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q5_K/q5_K.h"

namespace edgellm::quant::q5_K {
namespace {

int HsumI32x4(__m128i v) {
  v = _mm_add_epi32(v, _mm_unpackhi_epi64(v, v));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(v);
}

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ5_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m256i m4 = _mm256_set1_epi8(0xF);
  const __m256i sixteen = _mm256_set1_epi8(16);
  // Byte shuffles that broadcast 16-bit word j (scale of sub-block j) over a 128-bit lane.
  __m256i pick[8];
  for (int j = 0; j < 8; ++j) pick[j] = _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0202 * j));
  __m256 acc = _mm256_setzero_ps();
  float summs = 0;
  for (int64_t i = 0; i < nb; ++i) {
    const float d = y[i].d * x86::HalfToFloat(x[i].d);
    const float dmin = -y[i].d * x86::HalfToFloat(x[i].dmin);
    const __m256i sm16 = _mm256_cvtepu8_epi16(x86::ScalesMinsK4(x[i].scales));

    // Min term: sum_j m[j] * (sum of the 32 activations of sub-block j).
    const __m128i bs_lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums));
    const __m128i bs_hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums + 8));
    const __m128i mins_prod =
        _mm_madd_epi16(_mm256_extracti128_si256(sm16, 1), _mm_hadd_epi16(bs_lo, bs_hi));
    // Fused, as the compiled ggml AVX2 kernel does it: the same float comes out.
    summs = std::fma(dmin, static_cast<float>(HsumI32x4(mins_prod)), summs);

    const __m256i sc16 = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(sm16));
    const __m256i hbits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh));
    __m256i hmask = _mm256_set1_epi8(1);  // qh bit of sub-block j: bit j
    const uint8_t* q5 = x[i].qs;
    const int8_t* q8 = y[i].qs;
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < kQK_K / 64; ++c, q5 += 32, q8 += 64) {
      const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q5));
      // 16 where the qh bit is set: compare of the masked byte with the mask itself.
      const __m256i h_lo =
          _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hbits, hmask), hmask), sixteen);
      hmask = _mm256_add_epi8(hmask, hmask);
      const __m256i h_hi =
          _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hbits, hmask), hmask), sixteen);
      hmask = _mm256_add_epi8(hmask, hmask);
      const __m256i lo = _mm256_or_si256(_mm256_and_si256(bits, m4), h_lo);
      const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits, 4), m4), h_hi);
      // |q5 * q8| pairs <= 2 * 31 * 127: no int16 saturation.
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
  *s = x86::HsumPs(acc) + summs;
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2});
}  // namespace avx2

}  // namespace edgellm::quant::q5_K

#endif  // defined(__x86_64__)
