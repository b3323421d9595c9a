#include <cmath>
#include <cstdint>

#include "quant_formats/common/fp16.h"
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
        acc[l] = round_to_half(std::fma(Fp16ToFp32(a[i + l]), Fp16ToFp32(b[i + l]), acc[l]));
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

}  // namespace edgellm::quant::f16
