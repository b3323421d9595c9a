// q3_K x q8_K dot product, AVX2, in ggml's order (see q3_K.h): the 2 low bits and the -4 of a
// clear high bit are multiplied with maddubs separately and subtracted per pair of bytes, then
// scaled per group of 16 with madd; the float steps are common/kquant_x86.h's SuperBlockDot.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q3_K/q3_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q3k {
namespace {

// Bit `bit` of every byte of v, moved to bit 2 (other bits cleared).
inline __m256i HighBitToBit2(__m256i v, int bit) {
  const __m256i shifted = bit < 2 ? _mm256_slli_epi16(v, 2 - bit) : _mm256_srli_epi16(v, bit - 2);
  return _mm256_and_si256(shifted, _mm256_set1_epi8(4));
}

struct BlockSums {
  const __m256i m3 = _mm256_set1_epi8(3);
  const __m256i four = _mm256_set1_epi8(4);

  __m256i operator()(const BlockQ3K& b, const BlockQ8_K& y, __m256i*) const {
    const __m128i sc8 = ScalesX86(b);
    const __m256i hmask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.hmask));
    const int8_t* q8 = y.qs;
    __m256i sumi = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i scales = _mm256_broadcastsi128_si256(
          _mm_cvtepi8_epi16(h == 0 ? sc8 : _mm_unpackhi_epi64(sc8, sc8)));
      const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * h));
      for (int j = 0; j < 4; ++j, q8 += 32) {
        // As ggml: low bits times q8, minus 4 * q8 where the high bit is clear, per pair of
        // bytes, so every int32 lane sums the same 4 weights of each 32 as ggml's.
        const __m256i ql = _mm256_and_si256(_mm256_srli_epi16(low, 2 * j), m3);
        const __m256i qh = _mm256_andnot_si256(HighBitToBit2(hmask, 4 * h + j), four);
        const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8));
        const __m256i p =
            _mm256_sub_epi16(_mm256_maddubs_epi16(ql, yv), _mm256_maddubs_epi16(qh, yv));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(x86::ScalePair(scales, j), p));
      }
    }
    return sumi;
  }
};

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features,
                    x86::VecDotOf<MinTerm::kNone, BlockQ3K, BlockSums>});
}  // namespace avx2

}  // namespace edgellm::quant::q3k

#endif  // __x86_64__
