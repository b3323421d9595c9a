// iq4_xs x q8_K dot product, AVX2, in ggml's order (see iq4_xs.h): codes become signed levels
// through a byte shuffle of the code book, are multiplied with maddubs (sign moved onto the q8_K
// byte) and scaled per sub-block of 32 with madd, one sub-block per step; the float steps are
// common/kquant_x86.h's SuperBlockDot.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/iq4_xs/iq4_xs.h"

#if defined(__x86_64__)

#include "quant_formats/common/iq4_values.h"
#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::iq4xs {
namespace {

// |v| * (y with v's sign), pairs summed to int16: exact since |v| <= 127.
inline __m256i SignedProducts(__m256i v, __m256i y) {
  return _mm256_maddubs_epi16(_mm256_sign_epi8(v, v), _mm256_sign_epi8(y, v));
}

struct BlockSums {
  const __m128i book = _mm_load_si128(reinterpret_cast<const __m128i*>(kValuesIq4Nl));
  const __m128i m4 = _mm_set1_epi8(0x0F);

  __m256i operator()(const BlockIQ4XS& b, const BlockQ8_K& y, __m256i*) const {
    __m256i sumi = _mm256_setzero_si256();
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      // Sub-block ib: weights 0..15 (low nibbles) in the low lane, 16..31 in the high lane,
      // against its 32 q8_K bytes, as ggml's kernel lays them out.
      const __m128i codes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs + 16 * ib));
      const __m256i v =
          _mm256_setr_m128i(_mm_shuffle_epi8(book, _mm_and_si128(codes, m4)),
                            _mm_shuffle_epi8(book, _mm_and_si128(_mm_srli_epi16(codes, 4), m4)));
      const __m256i q8 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.qs + 32 * ib));
      const __m256i scale = _mm256_set1_epi16(static_cast<int16_t>(SubScale(b, ib)));
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(SignedProducts(v, q8), scale));
    }
    return sumi;
  }
};

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features,
                    x86::VecDotOf<MinTerm::kNone, BlockIQ4XS, BlockSums>});
}  // namespace avx2

}  // namespace edgellm::quant::iq4xs

#endif  // __x86_64__
