// AVX-512 kernels of f16 (build with the AVX-512 flags; needs F/BW/VL/DQ). Conversions use
// vcvtph2ps / vcvtps2ph with round-to-nearest-even; their tails use masked loads and stores, so
// no element is read or written past n.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/float_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16 {
namespace {

using float_x86::RoundToHalf;

inline __m512 Widen(__m256i h) { return _mm512_cvtph_ps(h); }
inline __m256i Narrow(__m512 v) { return _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT); }
inline __m512 Load16(const uint16_t* p) {
  return Widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// fp16(a * b + acc) lane by lane with one rounding, as HalfFma8 in f16_avx2.cc.
inline __m512 HalfFma16(__m512 a, __m512 b, __m512 acc) {
  const __m512 r = _mm512_fmadd_ps(a, b, acc);
  const __m512 down = _mm512_cvtph_ps(_mm512_cvtps_ph(r, _MM_FROUND_TO_NEG_INF));
  const __m512 up = _mm512_cvtph_ps(_mm512_cvtps_ph(r, _MM_FROUND_TO_POS_INF));
  const __mmask16 tie =
      _mm512_cmp_ps_mask(_mm512_sub_ps(r, down), _mm512_sub_ps(up, r), _CMP_EQ_OQ) &
      _mm512_cmp_ps_mask(down, up, _CMP_NEQ_OQ);
  const __m512 h = RoundToHalf(r);
  return tie == 0 ? h : RedoTies(tie, a, b, acc, h);
}

constexpr auto Dot = float_x86::HalfDot<__m512, kDotLanes, Load16, HalfFma16, RoundToHalf,
                                        float_x86::HalfHalvingSum16>;
}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET(float_x86::GemmDot16Entry<uint16_t, Load16, Dot>(
    kAvx512Features, float_x86::kFloatsToHalves<Narrow>, float_x86::kHalvesToFloats<Widen>));
}  // namespace avx512

}  // namespace edgellm::quant::f16

#endif  // __x86_64__
