// q3_K x q8_K dot product, AVX-512 (with and without VNNI): two registers per half block hold 64
// unsigned quants q = low | high << 2 each (the high bit added under a byte mask), dotted with
// the q8_K bytes (vpdpbusd, or maddubs + madd) less 4 times the bytes' sums, then scaled and
// summed into ggml's 8 integer lanes; the float part keeps ggml's order (see q3_K.h).
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q3_K/q3_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q3k {
namespace {

// The 16 scales of a block in [-32, 31], in sub-block order, built in a register.
inline __m128i Scales(const BlockQ3K& b) {
  uint32_t w[4];
  UnpackScaleWords(b.scales, w);
  const __m128i biased = _mm_setr_epi32(static_cast<int>(w[0]), static_cast<int>(w[1]),
                                        static_cast<int>(w[2]), static_cast<int>(w[3]));
  return _mm_sub_epi8(biased, _mm_set1_epi8(32));
}

// lo in the low 256 bits, hi in the high 256 bits: one register covers two runs of 32 weights.
inline __m512i PerHalf16(int16_t lo, int16_t hi) {
  return _mm512_inserti64x4(_mm512_set1_epi16(lo), _mm256_set1_epi16(hi), 1);
}

inline __m512i PerHalf8(uint8_t lo, uint8_t hi) {
  return _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(lo)),
                            _mm256_set1_epi8(static_cast<char>(hi)), 1);
}

template <bool kVnni>
void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockQ3K* x = static_cast<const BlockQ3K*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m512i m3 = _mm512_set1_epi8(3);
  const __m512i four = _mm512_set1_epi8(4);
  // Runs j = 0..3 of 32 weights in a half block: low bits at qs >> 2j, high bit at hmask bit
  // 4h + j.
  const __m512i shift01 = PerHalf16(0, 2);
  const __m512i shift23 = PerHalf16(4, 6);
  const __m512i hbit[4] = {PerHalf8(0x01, 0x02), PerHalf8(0x04, 0x08), PerHalf8(0x10, 0x20),
                           PerHalf8(0x40, 0x80)};
  const __m512i ones = _mm512_set1_epi8(1);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = y[i].d * x86::HalfToFloat(x[i].d);
    const __m512i hmask =
        _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].hmask)));
    __m512i dots[4];
    for (int h = 0; h < 2; ++h) {
      const __m512i low = _mm512_broadcast_i64x4(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs + 32 * h)));
      __m512i q01 = _mm512_and_si512(_mm512_srlv_epi16(low, shift01), m3);
      __m512i q23 = _mm512_and_si512(_mm512_srlv_epi16(low, shift23), m3);
      // Bytes whose high bit is set get + 4 (the low bits are < 4, so add == or); ggml's -4 per
      // weight then comes out of every lane through the dot with ones.
      q01 = _mm512_mask_add_epi8(q01, _mm512_test_epi8_mask(hmask, hbit[2 * h]), q01, four);
      q23 = _mm512_mask_add_epi8(q23, _mm512_test_epi8_mask(hmask, hbit[2 * h + 1]), q23, four);
      const __m512i y01 = _mm512_loadu_si512(y[i].qs + 128 * h);
      const __m512i y23 = _mm512_loadu_si512(y[i].qs + 128 * h + 64);
      dots[2 * h] = _mm512_sub_epi32(x86::DotU8I8x64<kVnni>(q01, y01),
                                     _mm512_slli_epi32(x86::DotU8I8x64<kVnni>(ones, y01), 2));
      dots[2 * h + 1] = _mm512_sub_epi32(x86::DotU8I8x64<kVnni>(q23, y23),
                                         _mm512_slli_epi32(x86::DotU8I8x64<kVnni>(ones, y23), 2));
    }
    const __m256i isum = x86::ScaledLaneSums<16>(dots, _mm512_cvtepi8_epi32(Scales(x[i])));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(isum), acc);
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

}  // namespace edgellm::quant::q3k

#endif  // __x86_64__
