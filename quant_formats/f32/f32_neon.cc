// NEON dot products of f32 rows (plain ARMv8-A), in the lane orders of ggml's AVX-512 build (see
// f32.h): a 16-lane accumulator is four 4-lane registers, and fmla rounds once like vfmadd.
#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstdint>

#include "quant_formats/common/float_neon.h"
#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/f32/f32.h"

namespace edgellm::quant::f32::EDGELLM_NEON_NS {
namespace {

using float_neon::Sum16;

float Dot(int64_t n, const float* a, const float* b) {
  const int64_t np = n - n % 64;
  // acc[r] holds lanes 4r..4r+3 of ggml's 64 accumulator lanes.
  float32x4_t acc[16];
  for (float32x4_t& v : acc) v = vdupq_n_f32(0.0f);
  for (int64_t i = 0; i < np; i += 64) {
    for (int r = 0; r < 16; ++r) {
      acc[r] = vfmaq_f32(acc[r], vld1q_f32(a + i + 4 * r), vld1q_f32(b + i + 4 * r));
    }
  }
  // ReduceFourAccumulators: lanes l + l+32, then l + l+16, then HalvingSum16.
  for (int r = 0; r < 8; ++r) acc[r] = vaddq_f32(acc[r], acc[r + 8]);
  for (int r = 0; r < 4; ++r) acc[r] = vaddq_f32(acc[r], acc[r + 4]);
  float sum = Sum16(acc);
  return AddProducts(sum, a, b, np, n);
}

// tinyBLAS's 16-lane accumulator (n % 16 == 0).
float GemmDot(int64_t n, const float* a, const float* b) {
  float32x4_t acc[4];
  for (float32x4_t& v : acc) v = vdupq_n_f32(0.0f);
  for (int64_t i = 0; i < n; i += 16) {
    for (int r = 0; r < 4; ++r) {
      acc[r] = vfmaq_f32(acc[r], vld1q_f32(a + i + 4 * r), vld1q_f32(b + i + 4 * r));
    }
  }
  return Sum16(acc);
}

}  // namespace

EDGELLM_KERNEL_SET(float_rows::DotEntry<float, Dot, GemmDot, 16>(
    EDGE_ISA_NEON, kNeonBuildFeatures));

}  // namespace edgellm::quant::f32::EDGELLM_NEON_NS

#endif  // __aarch64__
