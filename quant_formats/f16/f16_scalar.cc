#include <cmath>
#include <cstdint>

#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16 {
namespace {

constexpr int kGemmLanes = 16;  // tinyBLAS's fp32 accumulator on AVX-512

float Dot(int64_t n, const uint16_t* a, const uint16_t* b) {
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
  return static_cast<float>(sum);
}

float GemmDot(int64_t n, const uint16_t* a, const uint16_t* b) {
  float acc[kGemmLanes] = {};
  for (int64_t k = 0; k < n; k += kGemmLanes) {
    for (int l = 0; l < kGemmLanes; ++l) {
      acc[l] = std::fma(Fp16ToFp32(a[k + l]), Fp16ToFp32(b[k + l]), acc[l]);
    }
  }
  return HalvingSum16(acc);
}

}  // namespace

void ToFloat(const void* x, float* y, int64_t n) {
  float_rows::ConvertEach<uint16_t, float, Fp16ToFp32>(static_cast<const uint16_t*>(x), y, n);
}

void FromFloat(const float* x, void* y, int64_t n) {
  float_rows::ConvertEach<float, uint16_t, Fp32ToFp16>(x, static_cast<uint16_t*>(y), n);
}

namespace scalar {
EDGELLM_KERNEL_SET(float_rows::DotEntry<uint16_t, Dot, GemmDot, kGemmLanes>(
    EDGE_ISA_SCALAR, 0, FromFloat, ToFloat));
}  // namespace scalar

}  // namespace edgellm::quant::f16
