// q2_K x q8_K dot product, AVX-512 (with and without VNNI): two registers per half block hold 64
// unpacked 2-bit quants each, dotted with the q8_K bytes (vpdpbusd, or maddubs + madd), scaled
// and summed into ggml's 8 integer lanes; the mins meet the q8_K group sums in one madd. The
// float part is common/kquant_x86.h's SuperBlockDot (ggml's order, see q2_K.h).
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q2_K/q2_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q2k {
namespace {

template <bool kVnni>
struct BlockSums {
  const __m512i m3 = _mm512_set1_epi8(3);
  // Runs j = 0..3 of 32 weights in a half block sit at qs >> 2j.
  const __m512i shift01 = x86::PerHalf16(0, 2);
  const __m512i shift23 = x86::PerHalf16(4, 6);

  __m256i operator()(const BlockQ2K& b, const BlockQ8_K& y, __m256i* mins) const {
    __m512i dots[4];
    for (int h = 0; h < 2; ++h) {
      const __m512i bits = _mm512_broadcast_i64x4(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * h)));
      const __m512i q01 = _mm512_and_si512(_mm512_srlv_epi16(bits, shift01), m3);
      const __m512i q23 = _mm512_and_si512(_mm512_srlv_epi16(bits, shift23), m3);
      dots[2 * h] = x86::DotU8I8x64<kVnni>(q01, _mm512_loadu_si512(y.qs + 128 * h));
      dots[2 * h + 1] = x86::DotU8I8x64<kVnni>(q23, _mm512_loadu_si512(y.qs + 128 * h + 64));
    }
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.bsums));
    *mins = _mm256_madd_epi16(_mm256_srli_epi16(_mm256_cvtepu8_epi16(packed), 4), bsums);
    return x86::ScaledLaneSums<16>(
        dots, _mm512_and_si512(_mm512_cvtepu8_epi32(packed), _mm512_set1_epi32(0xF)));
  }
};

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures,
                    x86::VecDotOf<MinTerm::kLanes8, BlockQ2K, BlockSums<true>>},
                   {EDGE_ISA_AVX512, kAvx512Features,
                    x86::VecDotOf<MinTerm::kLanes8, BlockQ2K, BlockSums<false>>});
}  // namespace avx512

}  // namespace edgellm::quant::q2k

#endif  // __x86_64__
