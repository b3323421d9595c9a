// NEON helpers of the float formats' kernels (f32, f16, bf16): the fixed-order sums of
// common/lane_sums.h on 4-lane registers. Internal linkage, as in neon_simd.h: the copies of the
// plain and the extension builds must never be merged by the linker.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_FLOAT_NEON_H_
#define EDGELLM_QUANT_FORMATS_COMMON_FLOAT_NEON_H_

#if defined(__aarch64__)

#include <arm_neon.h>

namespace edgellm::quant::float_neon {
namespace {

// HalvingSum16 (lane_sums.h) of lanes 0..15 held in v[0..3].
inline float Sum16(const float32x4_t* v) {
  const float32x4_t t = vaddq_f32(vaddq_f32(v[0], v[2]), vaddq_f32(v[1], v[3]));
  return vpadds_f32(vadd_f32(vget_low_f32(t), vget_high_f32(t)));
}

}  // namespace
}  // namespace edgellm::quant::float_neon

#endif  // __aarch64__

#endif  // EDGELLM_QUANT_FORMATS_COMMON_FLOAT_NEON_H_
