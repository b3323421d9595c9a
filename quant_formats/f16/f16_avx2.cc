// AVX2 + F16C kernels of f16 (build with -mavx2 -mfma -mf16c). Conversions use F16C
// (vcvtph2ps / vcvtps2ph with round-to-nearest-even).
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/float_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16 {
namespace {

using float_x86::RoundToHalf;

inline __m256 Load8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// fp16(a * b + acc) lane by lane with one rounding (HalfFma): the fp32 FMA and its rounding to
// fp16 agree with it except where the fp32 result lies exactly halfway between two fp16 values
// (then the fp32 rounding may have made the tie); those rare lanes are redone with HalfFma.
inline __m256 HalfFma8(__m256 a, __m256 b, __m256 acc) {
  const __m256 r = _mm256_fmadd_ps(a, b, acc);
  const __m256 down = _mm256_cvtph_ps(_mm256_cvtps_ph(r, _MM_FROUND_TO_NEG_INF));
  const __m256 up = _mm256_cvtph_ps(_mm256_cvtps_ph(r, _MM_FROUND_TO_POS_INF));
  const int tie = _mm256_movemask_ps(
      _mm256_and_ps(_mm256_cmp_ps(_mm256_sub_ps(r, down), _mm256_sub_ps(up, r), _CMP_EQ_OQ),
                    _mm256_cmp_ps(down, up, _CMP_NEQ_OQ)));
  const __m256 h = RoundToHalf(r);
  return tie == 0 ? h : RedoTies(tie, a, b, acc, h);
}

// The row conversions, 8 values a step, the tails one value at a time.
inline void ToFloat8(const uint16_t* in, float* out) { _mm256_storeu_ps(out, Load8(in)); }
inline void FromFloat8(const float* in, uint16_t* out) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                   _mm256_cvtps_ph(_mm256_loadu_ps(in), _MM_FROUND_TO_NEAREST_INT));
}
constexpr auto kToFloat =
    float_rows::ConvertRow<uint16_t, float, 8, ToFloat8,
                           float_rows::ConvertEach<uint16_t, float, x86::HalfToFloat>>;
constexpr auto kFromFloat =
    float_rows::ConvertRow<float, uint16_t, 8, FromFloat8,
                           float_rows::ConvertEach<float, uint16_t, float_x86::FloatToHalf>>;

constexpr auto Dot =
    float_x86::HalfDot<__m256, kDotLanes, Load8, HalfFma8, RoundToHalf, float_x86::HalfHalvingSum8>;

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET(float_x86::GemmDot16EntryAvx2<uint16_t, Load8, Dot>(kAvx2Features, kFromFloat,
                                                                       kToFloat));
}  // namespace avx2

}  // namespace edgellm::quant::f16

#endif  // __x86_64__
