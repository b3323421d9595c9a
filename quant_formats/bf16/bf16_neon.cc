// NEON kernels of bf16 (plain ARMv8-A; the BFCVT / BFDOT instructions of ARMv8.6 are not used:
// the dot products reproduce AVX512_BF16's vdpbf16ps bit for bit, see bf16.h).
#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstdint>

#include "quant_formats/bf16/bf16.h"
#include "quant_formats/common/float_neon.h"
#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/neon_simd.h"

namespace edgellm::quant::bf16::EDGELLM_NEON_NS {
namespace {

using float_neon::Sum16;
using float_rows::ConvertEach;

// bf16 is the top half of an fp32: widening left shifts by 16 are exact conversions.
inline float32x4_t Low4(uint16x8_t v) {
  return vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(v), 16));
}
inline float32x4_t High4(uint16x8_t v) { return vreinterpretq_f32_u32(vshll_high_n_u16(v, 16)); }

// Fp32ToBf16 (fp16.h) on 4 lanes: round to nearest even, NaN quietened.
inline uint16x4_t ToBf16(float32x4_t f) {
  const uint32x4_t u = vreinterpretq_u32_f32(f);
  const uint32x4_t odd = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
  const uint32x4_t rounded = vaddq_u32(u, vaddq_u32(vdupq_n_u32(0x7fff), odd));
  const uint32x4_t is_nan =
      vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7fffffff)), vdupq_n_u32(0x7f800000));
  const uint32x4_t quiet = vorrq_u32(u, vdupq_n_u32(64u << 16));
  return vshrn_n_u32(vbslq_u32(is_nan, quiet, rounded), 16);
}

// vdpbf16ps on 16 fp32 lanes held in acc[0..3] (bf16.h): lane l adds the products of elements
// 2l + 1, then 2l, of the next 32 elements of a and b, each addition one FMA, with subnormal
// inputs read as +0 and subnormal results flushed to signed zero.
inline uint16x8_t Inputs(uint16x8_t h) { return vandq_u16(h, vtstq_u16(h, vdupq_n_u16(0x7f80))); }

inline float32x4_t Flush(float32x4_t v) {
  const uint32x4_t u = vreinterpretq_u32_f32(v);
  const uint32x4_t normal = vtstq_u32(u, vdupq_n_u32(0x7f800000));
  return vreinterpretq_f32_u32(vbslq_u32(normal, u, vandq_u32(u, vdupq_n_u32(0x80000000))));
}

inline void DotPairs32(float32x4_t* acc, const uint16_t* a, const uint16_t* b) {
  for (int h = 0; h < 2; ++h) {
    // val[0]: elements 2l (pairs 8h..8h+7), val[1]: elements 2l + 1.
    const uint16x8x2_t x = vld2q_u16(a + 16 * h);
    const uint16x8x2_t y = vld2q_u16(b + 16 * h);
    const uint16x8_t x_even = Inputs(x.val[0]), x_odd = Inputs(x.val[1]);
    const uint16x8_t y_even = Inputs(y.val[0]), y_odd = Inputs(y.val[1]);
    float32x4_t& lo = acc[2 * h];
    float32x4_t& hi = acc[2 * h + 1];
    lo = Flush(vfmaq_f32(lo, Low4(x_odd), Low4(y_odd)));
    hi = Flush(vfmaq_f32(hi, High4(x_odd), High4(y_odd)));
    lo = Flush(vfmaq_f32(lo, Low4(x_even), Low4(y_even)));
    hi = Flush(vfmaq_f32(hi, High4(x_even), High4(y_even)));
  }
}

// ggml_vec_dot_bf16 (bf16.h): two 16-lane accumulators over each 64 elements, then the tail.
float Dot(int64_t n, const uint16_t* a, const uint16_t* b) {
  const int64_t np = n - n % 64;
  float32x4_t c1[4], c2[4];
  for (int r = 0; r < 4; ++r) c1[r] = c2[r] = vdupq_n_f32(0.0f);
  for (int64_t i = 0; i < np; i += 64) {
    DotPairs32(c1, a + i, b + i);
    DotPairs32(c2, a + i + 32, b + i + 32);
  }
  double sum = Sum16(c1);
  sum += Sum16(c2);
  for (int64_t i = np; i < n; ++i) sum += static_cast<double>(Bf16ToFp32(a[i]) * Bf16ToFp32(b[i]));
  return static_cast<float>(sum);
}

// tinyBLAS's one 16-lane accumulator (n % 32 == 0).
float GemmDot(int64_t n, const uint16_t* a, const uint16_t* b) {
  float32x4_t acc[4];
  for (float32x4_t& v : acc) v = vdupq_n_f32(0.0f);
  for (int64_t i = 0; i < n; i += 32) DotPairs32(acc, a + i, b + i);
  return Sum16(acc);
}

// The row conversions, 8 values a step, the tails by fp16.h's.
inline void ToFloat8(const uint16_t* in, float* out) {
  const uint16x8_t v = vld1q_u16(in);
  vst1q_f32(out, Low4(v));
  vst1q_f32(out + 4, High4(v));
}
inline void FromFloat8(const float* in, uint16_t* out) {
  vst1q_u16(out, vcombine_u16(ToBf16(vld1q_f32(in)), ToBf16(vld1q_f32(in + 4))));
}
constexpr auto kToFloat =
    float_rows::ConvertRow<uint16_t, float, 8, ToFloat8, ConvertEach<uint16_t, float, Bf16ToFp32>>;
constexpr auto kFromFloat = float_rows::ConvertRow<float, uint16_t, 8, FromFloat8,
                                                   ConvertEach<float, uint16_t, Fp32ToBf16>>;

}  // namespace

EDGELLM_KERNEL_SET(float_rows::DotEntry<uint16_t, Dot, GemmDot, 32>(
    EDGE_ISA_NEON, kNeonBuildFeatures, kFromFloat, kToFloat));

}  // namespace edgellm::quant::bf16::EDGELLM_NEON_NS

#endif  // __aarch64__
