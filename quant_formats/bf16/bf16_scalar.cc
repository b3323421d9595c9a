#include <cmath>
#include <cstdint>

#include "quant_formats/bf16/bf16.h"
#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/lane_sums.h"

namespace edgellm::quant::bf16 {
namespace {

constexpr int kLanes = 16;  // fp32 lanes of one vdpbf16ps (512 bits)

// bf16 -> float with subnormals read as zero (vdpbf16ps's inputs).
inline float InputValue(uint16_t h) { return (h & 0x7f80u) == 0 ? 0.0f : Bf16ToFp32(h); }

// Subnormal results flushed to signed zero (vdpbf16ps's outputs).
inline float Flush(float v) { return std::fabs(v) < 0x1p-126f ? std::copysign(0.0f, v) : v; }

// One fp32 lane of vdpbf16ps: acc + a[1] * b[1], then + a[0] * b[0], each rounded once.
inline float DotPair(float acc, const uint16_t* a, const uint16_t* b) {
  acc = Flush(std::fma(InputValue(a[1]), InputValue(b[1]), acc));
  return Flush(std::fma(InputValue(a[0]), InputValue(b[0]), acc));
}

float Dot(int64_t n, const uint16_t* a, const uint16_t* b) {
  const int64_t np = n - n % (4 * kLanes);
  float c1[kLanes] = {}, c2[kLanes] = {};
  for (int64_t i = 0; i < np; i += 4 * kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      c1[l] = DotPair(c1[l], a + i + 2 * l, b + i + 2 * l);
      c2[l] = DotPair(c2[l], a + i + 2 * kLanes + 2 * l, b + i + 2 * kLanes + 2 * l);
    }
  }
  double sum = HalvingSum16(c1);
  sum += HalvingSum16(c2);
  for (int64_t i = np; i < n; ++i) sum += static_cast<double>(Bf16ToFp32(a[i]) * Bf16ToFp32(b[i]));
  return static_cast<float>(sum);
}

float GemmDot(int64_t n, const uint16_t* a, const uint16_t* b) {
  float acc[kLanes] = {};
  for (int64_t i = 0; i < n; i += 2 * kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] = DotPair(acc[l], a + i + 2 * l, b + i + 2 * l);
  }
  return HalvingSum16(acc);
}

}  // namespace

void ToFloat(const void* x, float* y, int64_t n) {
  float_rows::ConvertEach<uint16_t, float, Bf16ToFp32>(static_cast<const uint16_t*>(x), y, n);
}

void FromFloat(const float* x, void* y, int64_t n) {
  float_rows::ConvertEach<float, uint16_t, Fp32ToBf16>(x, static_cast<uint16_t*>(y), n);
}

namespace scalar {
EDGELLM_KERNEL_SET(float_rows::DotEntry<uint16_t, Dot, GemmDot, 2 * kLanes>(
    EDGE_ISA_SCALAR, 0, FromFloat, ToFloat));
}  // namespace scalar

}  // namespace edgellm::quant::bf16
