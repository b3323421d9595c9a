#include <cmath>
#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16 {

void ToFloat(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  for (int64_t i = 0; i < n; ++i) y[i] = Fp16ToFp32(h[i]);
}

void FromFloat(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  for (int64_t i = 0; i < n; ++i) h[i] = Fp32ToFp16(x[i]);
}

void VecDotScalar(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const uint16_t*>(x);
  const auto* b = static_cast<const uint16_t*>(y);
  const auto round_to_half = [](float v) { return Fp16ToFp32(Fp32ToFp16(v)); };
  const int64_t np = n - n % kDotLanes;
  double sum = 0.0;
  if (np > 0) {
    float acc[kDotLanes] = {};
    for (int64_t i = 0; i < np; i += kDotLanes) {
      for (int l = 0; l < kDotLanes; ++l) {
        acc[l] = HalfFma(Fp16ToFp32(a[i + l]), Fp16ToFp32(b[i + l]), acc[l]);
      }
    }
    for (int h = kDotLanes / 2; h >= 1; h /= 2) {
      for (int l = 0; l < h; ++l) acc[l] = round_to_half(acc[l] + acc[l + h]);
    }
    sum = acc[0];
  }
  for (int64_t i = np; i < n; ++i) {
    sum += static_cast<double>(Fp16ToFp32(a[i]) * Fp16ToFp32(b[i]));
  }
  *s = static_cast<float>(sum);
}

void VecDotBatchScalar(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                       const void* x, size_t x_stride, const void* y, size_t y_stride) {
  constexpr int kLanes = 16;  // tinyBLAS's fp32 accumulator on AVX-512
  for (int64_t i = 0; i < nx; ++i) {
    const void* xi = static_cast<const char*>(x) + i * x_stride;
    const auto* a = static_cast<const uint16_t*>(xi);
    for (int64_t j = 0; j < ny; ++j) {
      const void* yj = static_cast<const char*>(y) + j * y_stride;
      if (n % kLanes != 0) {
        VecDotScalar(n, &s[j * s_stride + i], xi, yj);
        continue;
      }
      const auto* b = static_cast<const uint16_t*>(yj);
      float acc[kLanes] = {};
      for (int64_t k = 0; k < n; k += kLanes) {
        for (int l = 0; l < kLanes; ++l) {
          acc[l] = std::fma(Fp16ToFp32(a[k + l]), Fp16ToFp32(b[k + l]), acc[l]);
        }
      }
      s[j * s_stride + i] = HalvingSum16(acc);
    }
  }
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar, VecDotBatchScalar, FromFloat, ToFloat});
}  // namespace scalar

}  // namespace edgellm::quant::f16
