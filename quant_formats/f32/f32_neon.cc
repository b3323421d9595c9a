// NEON dot product of f32 rows (plain ARMv8-A).
#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstdint>

#include "quant_formats/common/neon_simd.h"
#include "quant_formats/f32/f32.h"

namespace edgellm::quant::f32::EDGELLM_NEON_NS {

void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const float*>(x);
  const auto* b = static_cast<const float*>(y);
  // Four accumulators hide the FMA latency.
  float32x4_t acc[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f),
                        vdupq_n_f32(0.0f)};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int k = 0; k < 4; ++k) {
      acc[k] = vfmaq_f32(acc[k], vld1q_f32(a + i + 4 * k), vld1q_f32(b + i + 4 * k));
    }
  }
  for (; i + 4 <= n; i += 4) acc[0] = vfmaq_f32(acc[0], vld1q_f32(a + i), vld1q_f32(b + i));
  float sum = vaddvq_f32(vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3])));
  for (; i < n; ++i) sum += a[i] * b[i];
  *s = sum;
}

}  // namespace edgellm::quant::f32::EDGELLM_NEON_NS

#endif  // __aarch64__
