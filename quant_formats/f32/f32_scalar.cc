#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "quant_formats/common/float_rows.h"
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
  return AddProducts(sum, a, b, np, n);
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

namespace scalar {
EDGELLM_KERNEL_SET(float_rows::DotEntry<float, Dot, GemmDot, kGemmLanes>(
    EDGE_ISA_SCALAR, 0));
}  // namespace scalar

}  // namespace edgellm::quant::f32
