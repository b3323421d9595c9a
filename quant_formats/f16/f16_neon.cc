// NEON kernels of f16, built twice (common/neon_simd.h): plain ARMv8-A into namespace neon and
// with fp16 arithmetic (ARMv8.2-A FEAT_FP16) into neon_fp16. Both give the bits of f16.h: fmla on
// fp16 lanes rounds once, as HalfFma does; plain ARMv8-A reaches the same single rounding through
// double (exact sum) and fcvtxn (round to odd, which makes the later rounding to fp16 exact). The
// conversions and tinyBLAS's fp32 batch sums need no extension and live in the plain build.
#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstdint>

#include "quant_formats/common/float_neon.h"
#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16::EDGELLM_NEON_NS {
namespace {

constexpr int kGroups = kDotLanes / 8;  // accumulator registers of 8 fp16 lanes

inline float16x8_t LoadHalf8(const uint16_t* p) { return vreinterpretq_f16_u16(vld1q_u16(p)); }

#if defined(__ARM_FEATURE_FP16_VECTOR_ARITHMETIC)

inline float16x8_t HalfFma8(float16x8_t acc, float16x8_t x, float16x8_t y) {
  return vfmaq_f16(acc, x, y);
}

// fp16(a + b): exact sums of two fp16 values fit fp32, so one rounding either way.
inline float16x8_t AddRound(float16x8_t a, float16x8_t b) { return vaddq_f16(a, b); }

#else

// fp16(x * y + acc) rounded once on 4 lanes (HalfFma): the product is exact in fp32, the sum in
// double; fcvtxn rounds it to odd in fp32, whose 13 extra bits keep the final rounding exact.
inline float16x4_t HalfFma4(float16x4_t acc, float16x4_t x, float16x4_t y) {
  const float32x4_t p = vmulq_f32(vcvt_f32_f16(x), vcvt_f32_f16(y));
  const float32x4_t a = vcvt_f32_f16(acc);
  const float64x2_t lo = vaddq_f64(vcvt_f64_f32(vget_low_f32(p)), vcvt_f64_f32(vget_low_f32(a)));
  const float64x2_t hi = vaddq_f64(vcvt_high_f64_f32(p), vcvt_high_f64_f32(a));
  return vcvt_f16_f32(vcvtx_high_f32_f64(vcvtx_f32_f64(lo), hi));
}

inline float16x8_t HalfFma8(float16x8_t acc, float16x8_t x, float16x8_t y) {
  return vcombine_f16(HalfFma4(vget_low_f16(acc), vget_low_f16(x), vget_low_f16(y)),
                      HalfFma4(vget_high_f16(acc), vget_high_f16(x), vget_high_f16(y)));
}

// fp16(a + b) on 8 lanes, the (exact) sum taken in fp32.
inline float16x8_t AddRound(float16x8_t a, float16x8_t b) {
  const float32x4_t lo = vaddq_f32(vcvt_f32_f16(vget_low_f16(a)), vcvt_f32_f16(vget_low_f16(b)));
  const float32x4_t hi = vaddq_f32(vcvt_high_f32_f16(a), vcvt_high_f32_f16(b));
  return vcvt_high_f16_f32(vcvt_f16_f32(lo), hi);
}

#endif  // __ARM_FEATURE_FP16_VECTOR_ARITHMETIC

// tinyBLAS's 16-lane fp32 accumulator (n % 16 == 0), summed as HalvingSum16.
float GemmDot(int64_t n, const uint16_t* a, const uint16_t* b) {
  float32x4_t acc[4];
  for (float32x4_t& v : acc) v = vdupq_n_f32(0.0f);
  for (int64_t i = 0; i < n; i += 16) {
    for (int h = 0; h < 2; ++h) {
      const float16x8_t x = LoadHalf8(a + i + 8 * h);
      const float16x8_t y = LoadHalf8(b + i + 8 * h);
      acc[2 * h] =
          vfmaq_f32(acc[2 * h], vcvt_f32_f16(vget_low_f16(x)), vcvt_f32_f16(vget_low_f16(y)));
      acc[2 * h + 1] = vfmaq_f32(acc[2 * h + 1], vcvt_high_f32_f16(x), vcvt_high_f32_f16(y));
    }
  }
  return float_neon::Sum16(acc);
}

// Lane l of the 128 accumulators of f16.h is lane l % 8 of acc[l / 8].
float Dot(int64_t n, const uint16_t* a, const uint16_t* b) {
  const int64_t np = n - n % kDotLanes;
  double sum = 0.0;
  if (np > 0) {
    float16x8_t acc[kGroups];
    for (float16x8_t& v : acc) v = vreinterpretq_f16_u16(vdupq_n_u16(0));
    for (int64_t i = 0; i < np; i += kDotLanes) {
      for (int g = 0; g < kGroups; ++g) {
        acc[g] = HalfFma8(acc[g], LoadHalf8(a + i + 8 * g), LoadHalf8(b + i + 8 * g));
      }
    }
    // Halving tree: lane l += lane l + h for h = 64 .. 8 is whole registers, then within acc[0].
    for (int h = kGroups / 2; h >= 1; h /= 2) {
      for (int g = 0; g < h; ++g) acc[g] = AddRound(acc[g], acc[g + h]);
    }
    float lanes[8];
    vst1q_f32(lanes, vcvt_f32_f16(vget_low_f16(acc[0])));
    vst1q_f32(lanes + 4, vcvt_high_f32_f16(acc[0]));
    for (int h = 4; h >= 1; h /= 2) {
      for (int l = 0; l < h; ++l) lanes[l] = Fp16ToFp32(Fp32ToFp16(lanes[l] + lanes[l + h]));
    }
    sum = lanes[0];
  }
  for (int64_t i = np; i < n; ++i) {
    sum += static_cast<double>(Fp16ToFp32(a[i]) * Fp16ToFp32(b[i]));
  }
  return static_cast<float>(sum);
}

// The row conversions, 8 values a step, the tails by fp16.h's.
inline void ToFloat8(const uint16_t* in, float* out) {
  const float16x8_t v = LoadHalf8(in);
  vst1q_f32(out, vcvt_f32_f16(vget_low_f16(v)));
  vst1q_f32(out + 4, vcvt_high_f32_f16(v));
}
inline void FromFloat8(const float* in, uint16_t* out) {
  const float16x8_t v = vcvt_high_f16_f32(vcvt_f16_f32(vld1q_f32(in)), vld1q_f32(in + 4));
  vst1q_u16(out, vreinterpretq_u16_f16(v));
}
constexpr auto kToFloat =
    float_rows::ConvertRow<uint16_t, float, 8, ToFloat8,
                           float_rows::ConvertEach<uint16_t, float, Fp16ToFp32>>;
constexpr auto kFromFloat =
    float_rows::ConvertRow<float, uint16_t, 8, FromFloat8,
                           float_rows::ConvertEach<float, uint16_t, Fp32ToFp16>>;

}  // namespace

EDGELLM_KERNEL_SET(float_rows::DotEntry<uint16_t, Dot, GemmDot, 16>(
    EDGE_ISA_NEON, kNeonBuildFeatures, kFromFloat, kToFloat));

}  // namespace edgellm::quant::f16::EDGELLM_NEON_NS

#endif  // __aarch64__
