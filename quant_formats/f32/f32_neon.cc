// NEON dot products of f32 rows (plain ARMv8-A), in the lane orders of ggml's AVX-512 build (see
// f32.h): a 16-lane accumulator is four 4-lane registers, and fmla rounds once like vfmadd.
#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/f32/f32.h"

namespace edgellm::quant::f32::EDGELLM_NEON_NS {
namespace {

// HalvingSum16 (common/lane_sums.h) of lanes 0..15 held in v[0..3].
inline float Sum16(const float32x4_t* v) {
  const float32x4_t t = vaddq_f32(vaddq_f32(v[0], v[2]), vaddq_f32(v[1], v[3]));
  return vpadds_f32(vadd_f32(vget_low_f32(t), vget_high_f32(t)));
}

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
  // The tail unfused (this file is built with -ffp-contract=off).
  for (int64_t i = np; i < n; ++i) sum += a[i] * b[i];
  return sum;
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

void VecDot(int64_t n, float* s, const void* x, const void* y) {
  *s = Dot(n, static_cast<const float*>(x), static_cast<const float*>(y));
}

void VecDotBatch(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                 size_t x_stride, const void* y, size_t y_stride) {
  const bool gemm = n % 16 == 0;
  for (int64_t i = 0; i < nx; ++i) {
    const auto* a = reinterpret_cast<const float*>(static_cast<const char*>(x) + i * x_stride);
    for (int64_t j = 0; j < ny; ++j) {
      const auto* b = reinterpret_cast<const float*>(static_cast<const char*>(y) + j * y_stride);
      s[j * s_stride + i] = gemm ? GemmDot(n, a, b) : Dot(n, a, b);
    }
  }
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot, VecDotBatch});

}  // namespace edgellm::quant::f32::EDGELLM_NEON_NS

#endif  // __aarch64__
