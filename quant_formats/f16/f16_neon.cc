// NEON kernels of f16 (plain ARMv8-A: fcvtl / fcvtn convert between fp16 and fp32).
#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstdint>

#include "quant_formats/common/fp16.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16::EDGELLM_NEON_NS {
namespace {

inline float16x8_t LoadHalf8(const uint16_t* p) { return vreinterpretq_f16_u16(vld1q_u16(p)); }

// fp16(fp32 fma(x, y, acc)) on 8 lanes.
inline float16x8_t FmaRound(float16x8_t acc, float16x8_t x, float16x8_t y) {
  const float32x4_t lo = vfmaq_f32(vcvt_f32_f16(vget_low_f16(acc)), vcvt_f32_f16(vget_low_f16(x)),
                                   vcvt_f32_f16(vget_low_f16(y)));
  const float32x4_t hi = vfmaq_f32(vcvt_high_f32_f16(acc), vcvt_high_f32_f16(x),
                                   vcvt_high_f32_f16(y));
  return vcvt_high_f16_f32(vcvt_f16_f32(lo), hi);
}

// fp16(a + b) on 8 lanes, the sum taken in fp32.
inline float16x8_t AddRound(float16x8_t a, float16x8_t b) {
  const float32x4_t lo = vaddq_f32(vcvt_f32_f16(vget_low_f16(a)), vcvt_f32_f16(vget_low_f16(b)));
  const float32x4_t hi = vaddq_f32(vcvt_high_f32_f16(a), vcvt_high_f32_f16(b));
  return vcvt_high_f16_f32(vcvt_f16_f32(lo), hi);
}

constexpr int kGroups = kDotLanes / 8;  // accumulator registers of 8 lanes

}  // namespace

void ToFloat(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float16x8_t v = LoadHalf8(h + i);
    vst1q_f32(y + i, vcvt_f32_f16(vget_low_f16(v)));
    vst1q_f32(y + i + 4, vcvt_high_f32_f16(v));
  }
  for (; i < n; ++i) y[i] = Fp16ToFp32(h[i]);
}

void FromFloat(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float16x8_t v = vcvt_high_f16_f32(vcvt_f16_f32(vld1q_f32(x + i)), vld1q_f32(x + i + 4));
    vst1q_u16(h + i, vreinterpretq_u16_f16(v));
  }
  for (; i < n; ++i) h[i] = Fp32ToFp16(x[i]);
}

// The accumulation order of f16.h: lane l of the 128 accumulators is lane l % 8 of acc[l / 8].
void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const uint16_t*>(x);
  const auto* b = static_cast<const uint16_t*>(y);
  const int64_t np = n - n % kDotLanes;
  double sum = 0.0;
  if (np > 0) {
    float16x8_t acc[kGroups];
    for (float16x8_t& v : acc) v = vreinterpretq_f16_u16(vdupq_n_u16(0));
    for (int64_t i = 0; i < np; i += kDotLanes) {
      for (int g = 0; g < kGroups; ++g) {
        acc[g] = FmaRound(acc[g], LoadHalf8(a + i + 8 * g), LoadHalf8(b + i + 8 * g));
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
  *s = static_cast<float>(sum);
}

}  // namespace edgellm::quant::f16::EDGELLM_NEON_NS

#endif  // __aarch64__
