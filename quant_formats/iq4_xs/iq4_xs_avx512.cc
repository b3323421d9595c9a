// iq4_xs x q8_K dot product, AVX-512 (with and without VNNI): 64 codes per register become
// |level| through a byte shuffle of the absolute code book, the sign goes onto the q8_K bytes
// under a mask (codes 0..7 are the negative levels), then vpdpbusd (or maddubs + madd), scaled
// by the sub-block scales and summed into ggml's 8 integer lanes; the float part is
// common/kquant_x86.h's SuperBlockDot (ggml's order, see iq4_xs.h).
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/iq4_xs/iq4_xs.h"

#if defined(__x86_64__)

#include "quant_formats/common/iq4_values.h"
#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::iq4xs {
namespace {

template <bool kVnni>
struct BlockSums {
  const __m512i abs_book = _mm512_abs_epi8(
      _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(kValuesIq4Nl))));
  const __m512i eight = _mm512_set1_epi8(8);
  const __m512i zero = _mm512_setzero_si512();

  __m256i operator()(const BlockIQ4XS& b, const BlockQ8_K& y, __m256i*) const {
    __m512i dots[4];
    for (int c = 0; c < 4; ++c) {
      // Sub-blocks 2c and 2c + 1, weights in order.
      const __m512i codes = x86::UnpackNibbles64(b.qs + 32 * c, b.qs + 32 * c + 16);
      const __m512i yv = _mm512_loadu_si512(y.qs + 64 * c);
      const __m512i sy = _mm512_mask_sub_epi8(yv, _mm512_cmplt_epu8_mask(codes, eight), zero, yv);
      dots[c] = x86::DotU8I8x64<kVnni>(_mm512_shuffle_epi8(abs_book, codes), sy);
    }
    alignas(64) int32_t scales[16] = {};
    for (int ib = 0; ib < kQK_K / 32; ++ib) scales[ib] = SubScale(b, ib);
    return x86::ScaledLaneSums<32>(dots, _mm512_load_si512(scales));
  }
};

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures,
                    x86::VecDotOf<MinTerm::kNone, BlockIQ4XS, BlockSums<true>>},
                   {EDGE_ISA_AVX512, kAvx512Features,
                    x86::VecDotOf<MinTerm::kNone, BlockIQ4XS, BlockSums<false>>});
}  // namespace avx512

}  // namespace edgellm::quant::iq4xs

#endif  // __x86_64__
