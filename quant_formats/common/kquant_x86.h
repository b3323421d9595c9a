// x86 SIMD helpers for the vec_dot kernels of the 256-weight super-block formats whose scales
// cover groups of 16 weights (q2_K, q3_K, q6_K) or 32 (iq4_xs): spreading 16-bit scales over the
// groups of a 32-byte chunk (AVX2), and reducing per-4-byte int32 dot products to one sum per
// group of 16 weights (AVX-512). Builds on x86_simd.h (include this header instead of
// <immintrin.h>: x86_simd.h includes it with GCC 12's false AVX-512 warnings silenced).
//
// Same ISA rules as x86_simd.h: include only from translation units built with the matching
// flags; every helper has internal linkage so that copies built for different ISAs never merge.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_KQUANT_X86_H_
#define EDGELLM_QUANT_FORMATS_COMMON_KQUANT_X86_H_

#include "quant_formats/common/x86_simd.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

namespace edgellm::quant::x86 {
namespace {

// `scales8` holds 8 int16 scales s0..s7 in both 128-bit lanes. Returns s[2c] in all 8 int16 of
// the low lane and s[2c + 1] in the high lane: the scales of the two groups of 16 weights in
// 32-byte chunk c, ready for _mm256_madd_epi16 against maddubs products.
inline __m256i ScalePair(__m256i scales8, int c) {
  const __m256i lo = _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0404 * c));
  const __m256i hi_lane_plus2 =
      _mm256_setr_epi64x(0, 0, 0x0202020202020202LL, 0x0202020202020202LL);
  return _mm256_shuffle_epi8(scales8, _mm256_add_epi8(lo, hi_lane_plus2));
}

}  // namespace
}  // namespace edgellm::quant::x86

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)

namespace edgellm::quant::x86 {
namespace {

// DotU8I8 (x86_simd.h) on 64 bytes, with vpdpbusd when kVnni: int32 lane i sums the products of
// bytes 4i..4i+3. The VNNI form is exact for all bytes; the other needs pairs within int16.
template <bool kVnni>
inline __m512i DotU8I8x64(__m512i u, __m512i s) {
#if defined(__AVX512VNNI__)
  if constexpr (kVnni) return _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, s);
#else
  static_assert(!kVnni, "VNNI kernels need -mavx512vnni");
#endif
  return DotU8I8(u, s);
}

// dots[k]: DotU8I8x64 results over weights 64k..64k+63 of a 256-weight super-block (int32 lane
// i: weights 64k + 4i..4i+3); scales: the int32 scale of group g (kGroup weights) in lane g.
// Returns ggml's 8 integer lanes (its AVX2 kernels; see lane_sums.h LaneSums256): lane l sums, over
// every 32 weights, the products of weights 4l..4l+3 times their group's scale.
template <int kGroup>
inline __m256i ScaledLaneSums(const __m512i* dots, __m512i scales) {
  static_assert(kGroup == 16 || kGroup == 32, "groups of 16 or 32 weights");
  // Lane i of dots[k] holds weights 64k + 4i..4i+3, of group (64k + 4i) / kGroup.
  const __m512i first =
      _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60);
  __m512i sum = _mm512_setzero_si512();
  for (int k = 0; k < 4; ++k) {
    const __m512i group =
        _mm512_srli_epi32(_mm512_add_epi32(first, _mm512_set1_epi32(64 * k)), kGroup == 16 ? 4 : 5);
    const __m512i lane_scales = _mm512_permutexvar_epi32(group, scales);
    sum = _mm512_add_epi32(sum, _mm512_mullo_epi32(dots[k], lane_scales));
  }
  // Lanes i and i + 8 hold the same 4 positions of two different runs of 32 weights.
  return _mm256_add_epi32(_mm512_castsi512_si256(sum), _mm512_extracti64x4_epi64(sum, 1));
}

}  // namespace
}  // namespace edgellm::quant::x86

#endif  // AVX-512 F/BW/VL
#endif  // x86-64 with AVX2/FMA/F16C
#endif  // EDGELLM_QUANT_FORMATS_COMMON_KQUANT_X86_H_
