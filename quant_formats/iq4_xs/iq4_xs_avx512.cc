// iq4_xs x q8_K dot product, AVX-512 (with and without VNNI): 64 codes per register become
// |level| through a byte shuffle of the absolute code book, the sign goes onto the q8_K bytes
// under a mask (codes 0..7 are the negative levels), then vpdpbusd (or maddubs + madd), scaled
// by the sub-block scales and summed into ggml's 8 integer lanes; the float part keeps ggml's
// order (see iq4_xs.h).
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/iq4_xs/iq4_xs.h"

#if defined(__x86_64__)

#include "quant_formats/common/iq4_values.h"
#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::iq4xs {
namespace {

template <bool kVnni>
void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockIQ4XS* x = static_cast<const BlockIQ4XS*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m512i abs_book = _mm512_abs_epi8(
      _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(kValuesIq4Nl))));
  const __m512i eight = _mm512_set1_epi8(8);
  const __m512i zero = _mm512_setzero_si512();
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = y[i].d * x86::HalfToFloat(x[i].d);
    __m512i dots[4];
    for (int c = 0; c < 4; ++c) {
      // Sub-blocks 2c and 2c + 1, weights in order.
      const __m512i codes = x86::UnpackNibbles64(x[i].qs + 32 * c, x[i].qs + 32 * c + 16);
      const __m512i yv = _mm512_loadu_si512(y[i].qs + 64 * c);
      const __m512i sy = _mm512_mask_sub_epi8(yv, _mm512_cmplt_epu8_mask(codes, eight), zero, yv);
      dots[c] = x86::DotU8I8x64<kVnni>(_mm512_shuffle_epi8(abs_book, codes), sy);
    }
    alignas(64) int32_t scales[16] = {};
    for (int ib = 0; ib < kQK_K / 32; ++ib) scales[ib] = SubScale(x[i], ib);
    const __m256i isum = x86::ScaledLaneSums<32>(dots, _mm512_load_si512(scales));
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

}  // namespace edgellm::quant::iq4xs

#endif  // __x86_64__
