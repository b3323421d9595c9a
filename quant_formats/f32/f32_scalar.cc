#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/f32/f32.h"

namespace edgellm::quant::f32 {
namespace {

// tinyBLAS's accumulator width on AVX-512, and ggml_vec_dot_f32's elements per step.
constexpr int kGemmLanes = 16;
constexpr int kDotLanes = 64;

float Dot(int64_t n, const float* a, const float* b) {
  const int64_t np = n - n % kDotLanes;
  float acc[kDotLanes] = {};
  for (int64_t i = 0; i < np; i += kDotLanes) {
    for (int l = 0; l < kDotLanes; ++l) acc[l] = std::fma(a[i + l], b[i + l], acc[l]);
  }
  float sum = ReduceFourAccumulators(acc);
  for (int64_t i = np; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

float GemmDot(int64_t n, const float* a, const float* b) {
  float acc[kGemmLanes] = {};
  for (int64_t i = 0; i < n; i += kGemmLanes) {
    for (int l = 0; l < kGemmLanes; ++l) acc[l] = std::fma(a[i + l], b[i + l], acc[l]);
  }
  return HalvingSum16(acc);
}

}  // namespace

void ToFloat(const void* x, float* y, int64_t n) {
  std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
}

void FromFloat(const float* x, void* y, int64_t n) {
  std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
}

void VecDotScalar(int64_t n, float* s, const void* x, const void* y) {
  *s = Dot(n, static_cast<const float*>(x), static_cast<const float*>(y));
}

void VecDotBatchScalar(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                       const void* x, size_t x_stride, const void* y, size_t y_stride) {
  const bool gemm = n % kGemmLanes == 0;
  for (int64_t i = 0; i < nx; ++i) {
    const auto* a = reinterpret_cast<const float*>(static_cast<const char*>(x) + i * x_stride);
    for (int64_t j = 0; j < ny; ++j) {
      const auto* b = reinterpret_cast<const float*>(static_cast<const char*>(y) + j * y_stride);
      s[j * s_stride + i] = gemm ? GemmDot(n, a, b) : Dot(n, a, b);
    }
  }
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar, VecDotBatchScalar});
}  // namespace scalar

}  // namespace edgellm::quant::f32
