// q2_K x q8_K dot product, AVX2: 2-bit quants unpacked in registers, multiplied with maddubs and
// scaled per group of 16 with madd; the mins meet the q8_K group sums in one madd per block. The
// float steps are common/kquant_x86.h's SuperBlockDot (ggml's order, see q2_K.h).
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q2_K/q2_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q2k {
namespace {

struct BlockSums {
  const __m256i m3 = _mm256_set1_epi8(3);
  const __m256i m4 = _mm256_set1_epi16(0xF);

  __m256i operator()(const BlockQ2K& b, const BlockQ8_K& y, __m256i* mins) const {
    const __m256i packed =
        _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
    const __m256i scales16 = _mm256_and_si256(packed, m4);
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.bsums));
    *mins = _mm256_madd_epi16(_mm256_srli_epi16(packed, 4), bsums);
    const int8_t* q8 = y.qs;
    __m256i sumi = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      // Scales of groups 8h..8h+7 in both 128-bit lanes.
      const __m256i scales = h == 0 ? _mm256_permute4x64_epi64(scales16, 0x44)
                                    : _mm256_permute4x64_epi64(scales16, 0xEE);
      const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * h));
      for (int j = 0; j < 4; ++j, q8 += 32) {
        const __m256i q = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * j), m3);
        const __m256i p =
            _mm256_maddubs_epi16(q, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8)));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(x86::ScalePair(scales, j), p));
      }
    }
    return sumi;
  }
};

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features,
                    x86::VecDotOf<MinTerm::kLanes8, BlockQ2K, BlockSums>});
}  // namespace avx2

}  // namespace edgellm::quant::q2k

#endif  // __x86_64__
