// q6_K x q8_K dot product, AVX-512 (with and without VNNI): each half of a block becomes two
// registers of 64 unsigned 6-bit quants, dotted with the q8_K bytes (vpdpbusd, or maddubs + madd),
// scaled and summed into ggml's 8 integer lanes and offset-corrected with the q8_K group sums; the
// float part keeps ggml's order (see q6_K.h).
#include "quant_formats/q6_K/q6_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q6k {
namespace {

template <bool kVnni>
void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockQ6K* x = static_cast<const BlockQ6K*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  const __m512i m30 = _mm512_set1_epi8(0x30);
  // qh holds 2 bits for each of 4 runs of 32 weights; per 256-bit half of a register, move the
  // run's bits to bits 4-5: runs 0/1 by << 4 / << 2, runs 2/3 by >> 0 / >> 2.
  const __m512i shl = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
  const __m512i shr = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = y[i].d * x86::HalfToFloat(x[i].d);
    __m512i dots[4];
    for (int h = 0; h < 2; ++h) {
      const __m512i lo = _mm512_loadu_si512(x[i].ql + 64 * h);
      const __m512i hi = _mm512_broadcast_i64x4(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh + 32 * h)));
      const __m512i qa = _mm512_or_si512(_mm512_and_si512(lo, m4),
                                         _mm512_and_si512(_mm512_sllv_epi16(hi, shl), m30));
      const __m512i qb = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(lo, 4), m4),
                                         _mm512_and_si512(_mm512_srlv_epi16(hi, shr), m30));
      dots[2 * h] = x86::DotU8I8x64<kVnni>(qa, _mm512_loadu_si512(y[i].qs + 128 * h));
      dots[2 * h + 1] = x86::DotU8I8x64<kVnni>(qb, _mm512_loadu_si512(y[i].qs + 128 * h + 64));
    }
    const __m128i scales = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
    __m256i isum = x86::ScaledLaneSums<16>(dots, _mm512_cvtepi8_epi32(scales));
    // The -32 offset, through the q8_K group sums: groups 2k, 2k+1 from lane k (as ggml).
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums));
    isum = _mm256_sub_epi32(
        isum, _mm256_slli_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(scales), bsums), 5));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(isum), acc);
  }
  *s = x86::HsumPs(acc);
}

}  // namespace

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) { VecDot<false>(n, s, x, y); }

void VecDotAvx512Vnni(int64_t n, float* s, const void* x, const void* y) {
  VecDot<true>(n, s, x, y);
}

}  // namespace edgellm::quant::q6k

#endif  // __x86_64__
