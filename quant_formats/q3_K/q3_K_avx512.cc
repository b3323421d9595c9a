// q3_K x q8_K dot product, AVX-512 (with and without VNNI): two registers per half block hold 64
// unsigned quants q = low | high << 2 each (the high bit added under a byte mask), dotted with
// the q8_K bytes (vpdpbusd, or maddubs + madd) less 4 times the bytes' sums, then scaled and
// summed into ggml's 8 integer lanes; the float part is common/kquant_x86.h's SuperBlockDot
// (ggml's order, see q3_K.h).
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q3_K/q3_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q3k {
namespace {

template <bool kVnni>
struct BlockSums {
  const __m512i m3 = _mm512_set1_epi8(3);
  const __m512i four = _mm512_set1_epi8(4);
  // Runs j = 0..3 of 32 weights in a half block: low bits at qs >> 2j, high bit at hmask bit
  // 4h + j.
  const __m512i shift01 = x86::PerHalf16(0, 2);
  const __m512i shift23 = x86::PerHalf16(4, 6);
  const __m512i hbit[4] = {x86::PerHalf8(0x01, 0x02), x86::PerHalf8(0x04, 0x08),
                           x86::PerHalf8(0x10, 0x20), x86::PerHalf8(0x40, 0x80)};
  const __m512i ones = _mm512_set1_epi8(1);

  // Bytes whose high bit is set get + 4 (the low bits are < 4, so add == or); ggml's -4 per
  // weight then comes out of every lane through the dot with ones.
  __m512i Dot(__m512i q, __m512i hmask, __m512i high_bit, const int8_t* q8) const {
    q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(hmask, high_bit), q, four);
    const __m512i yv = _mm512_loadu_si512(q8);
    return _mm512_sub_epi32(x86::DotU8I8x64<kVnni>(q, yv),
                            _mm512_slli_epi32(x86::DotU8I8x64<kVnni>(ones, yv), 2));
  }
  __m256i operator()(const BlockQ3K& b, const BlockQ8_K& y, __m256i*) const {
    const __m512i hmask =
        _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.hmask)));
    __m512i dots[4];
    for (int h = 0; h < 2; ++h) {
      const __m512i low = _mm512_broadcast_i64x4(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * h)));
      const __m512i q01 = _mm512_and_si512(_mm512_srlv_epi16(low, shift01), m3);
      const __m512i q23 = _mm512_and_si512(_mm512_srlv_epi16(low, shift23), m3);
      dots[2 * h] = Dot(q01, hmask, hbit[2 * h], y.qs + 128 * h);
      dots[2 * h + 1] = Dot(q23, hmask, hbit[2 * h + 1], y.qs + 128 * h + 64);
    }
    return x86::ScaledLaneSums<16>(dots, _mm512_cvtepi8_epi32(ScalesX86(b)));
  }
};

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures,
                    x86::VecDotOf<MinTerm::kNone, BlockQ3K, BlockSums<true>>},
                   {EDGE_ISA_AVX512, kAvx512Features,
                    x86::VecDotOf<MinTerm::kNone, BlockQ3K, BlockSums<false>>});
}  // namespace avx512

}  // namespace edgellm::quant::q3k

#endif  // __x86_64__
