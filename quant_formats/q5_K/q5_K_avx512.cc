// q5_K x q8_K dot product, AVX-512. As in q4_K_avx512.cc, one 512-bit step covers a pair of
// sub-blocks (low nibbles of the 32 quant bytes in the low half, high nibbles in the high half);
// the fifth bits come from a byte test of qh against bit 2c (low half) / 2c+1 (high half).
// Without VNNI: vpmaddubsw, vpmaddwd by the scales, vpaddd; with VNNI the last two fuse into
// vpdpwssd (a 6-bit scale times a 5-bit quant does not fit the u8 operand of vpdpbusd).
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

template <bool kVnni>
void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ5_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m512i m4 = _mm512_set1_epi8(0xF);
  const __m512i sixteen = _mm512_set1_epi8(16);
  // Word shifts: 0 for the low 256 bits (low nibbles), 4 for the high 256 bits.
  const __m512i nibble_shift = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
  // Per pair c: byte shuffles that broadcast word 2c (scale of sub-block 2c) over the low 256
  // bits and word 2c+1 over the high 256 bits, and the qh bits of those two sub-blocks.
  __m512i pick[4];
  __m512i hmask[4];
  for (int c = 0; c < 4; ++c) {
    pick[c] = _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0404 * c))),
        _mm256_set1_epi16(static_cast<int16_t>(0x0302 + 0x0404 * c)), 1);
    hmask[c] = _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << (2 * c))),
                                  _mm256_set1_epi8(static_cast<char>(2 << (2 * c))), 1);
  }
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

    // The 8 word scales in every 128-bit lane; the 32 qh bytes in both halves.
    const __m512i sc16 = _mm512_broadcast_i32x4(_mm256_castsi256_si128(sm16));
    const __m512i hbits =
        _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh)));
    const uint8_t* q5 = x[i].qs;
    const int8_t* q8 = y[i].qs;
    __m512i sumi = _mm512_setzero_si512();
    for (int c = 0; c < kQK_K / 64; ++c, q5 += 32, q8 += 64) {
      const __m512i bits =
          _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q5)));
      __m512i q = _mm512_and_si512(_mm512_srlv_epi16(bits, nibble_shift), m4);
      q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(hbits, hmask[c]), q, sixteen);
      // |q5 * q8| pairs <= 2 * 31 * 127: no int16 saturation.
      const __m512i p16 = _mm512_maddubs_epi16(q, _mm512_loadu_si512(q8));
      const __m512i scale = _mm512_shuffle_epi8(sc16, pick[c]);
      if constexpr (kVnni) {
        sumi = _mm512_dpwssd_epi32(sumi, scale, p16);
      } else {
        sumi = _mm512_add_epi32(sumi, _mm512_madd_epi16(scale, p16));
      }
    }
    // The two halves hold the same lanes of different sub-blocks: added, they are ggml's 8
    // integer lanes (see q5_K.h), scaled in 256-bit registers as ggml does.
    const __m256i sumi8 =
        _mm256_add_epi32(_mm512_castsi512_si256(sumi), _mm512_extracti64x4_epi64(sumi, 1));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi8), acc);
  }
  *s = x86::HsumPs(acc) + summs;
}

void VecDotAvx512(int64_t n, float* s, const void* vx, const void* vy) {
  VecDot<false>(n, s, vx, vy);
}

void VecDotAvx512Vnni(int64_t n, float* s, const void* vx, const void* vy) {
  VecDot<true>(n, s, vx, vy);
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni},
                   {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512});
}  // namespace avx512

}  // namespace edgellm::quant::q5_K

#endif  // defined(__x86_64__)
