#include <cstdint>

#include "quant_formats/bf16/bf16.h"
#include "quant_formats/common/fp16.h"

namespace edgellm::quant::bf16 {

void ToFloat(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  for (int64_t i = 0; i < n; ++i) y[i] = Bf16ToFp32(h[i]);
}

void FromFloat(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  for (int64_t i = 0; i < n; ++i) h[i] = Fp32ToBf16(x[i]);
}

void VecDotScalar(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const uint16_t*>(x);
  const auto* b = static_cast<const uint16_t*>(y);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(Bf16ToFp32(a[i]) * Bf16ToFp32(b[i]));
  *s = static_cast<float>(sum);
}

}  // namespace edgellm::quant::bf16
