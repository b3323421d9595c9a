// q2_K x q8_K dot product, AVX-512 (with and without VNNI): two registers per half block hold 64
// unpacked 2-bit quants each, dotted with the q8_K bytes (vpdpbusd, or maddubs + madd), scaled
// and summed into ggml's 8 integer lanes; the mins meet the q8_K group sums in one madd. The
// float part keeps ggml's order (see q2_K.h).
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q2_K/q2_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q2k {
namespace {

// lo in the low 256 bits, hi in the high 256 bits: one register covers two runs of 32 weights.
inline __m512i PerHalf16(int16_t lo, int16_t hi) {
  return _mm512_inserti64x4(_mm512_set1_epi16(lo), _mm256_set1_epi16(hi), 1);
}

template <bool kVnni>
void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockQ2K* x = static_cast<const BlockQ2K*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m512i m3 = _mm512_set1_epi8(3);
  // Runs j = 0..3 of 32 weights in a half block sit at qs >> 2j.
  const __m512i shift01 = PerHalf16(0, 2);
  const __m512i shift23 = PerHalf16(4, 6);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const float dall = y[i].d * x86::HalfToFloat(x[i].d);
    const float dmin = y[i].d * x86::HalfToFloat(x[i].dmin);
    __m512i dots[4];
    for (int h = 0; h < 2; ++h) {
      const __m512i bits = _mm512_broadcast_i64x4(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs + 32 * h)));
      const __m512i q01 = _mm512_and_si512(_mm512_srlv_epi16(bits, shift01), m3);
      const __m512i q23 = _mm512_and_si512(_mm512_srlv_epi16(bits, shift23), m3);
      dots[2 * h] = x86::DotU8I8x64<kVnni>(q01, _mm512_loadu_si512(y[i].qs + 128 * h));
      dots[2 * h + 1] = x86::DotU8I8x64<kVnni>(q23, _mm512_loadu_si512(y[i].qs + 128 * h + 64));
    }
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
    const __m256i isum = x86::ScaledLaneSums<16>(
        dots, _mm512_and_si512(_mm512_cvtepu8_epi32(packed), _mm512_set1_epi32(0xF)));
    const __m256i mins = _mm256_srli_epi16(_mm256_cvtepu8_epi16(packed), 4);
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums));
    // ggml's order: the min terms, then the scaled sums, into one 8-lane accumulator.
    acc = _mm256_fnmadd_ps(_mm256_set1_ps(dmin),
                           _mm256_cvtepi32_ps(_mm256_madd_epi16(mins, bsums)), acc);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(dall), _mm256_cvtepi32_ps(isum), acc);
  }
  *s = x86::HsumPs(acc);
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) { VecDot<false>(n, s, x, y); }

void VecDotAvx512Vnni(int64_t n, float* s, const void* x, const void* y) {
  VecDot<true>(n, s, x, y);
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni},
                   {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512});
}  // namespace avx512

}  // namespace edgellm::quant::q2k

#endif  // __x86_64__
