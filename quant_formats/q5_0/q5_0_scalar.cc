// Portable Q5_0 kernels: the reference quantizer, dequantization and the scalar dot product.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/high_bits.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/q5_0/q5_0.h"

namespace edgellm::quant::q5_0 {
namespace {

inline uint32_t HighBits(const BlockQ5_0& b) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, sizeof qh);
  return qh;
}

}  // namespace

void ToFloat(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ5_0*>(vx);
  for (int64_t i = 0; i < n / kBlockSize; ++i, y += kBlockSize) {
    const float d = Fp16ToFp32(x[i].d);
    uint8_t hb[kBlockSize];
    SpreadHighBits(HighBits(x[i]), hb);
    for (int j = 0; j < kBlockSize / 2; ++j) {
      const int q0 = ((x[i].qs[j] & 0x0F) | hb[j]) - 16;
      const int q1 = ((x[i].qs[j] >> 4) | hb[j + kBlockSize / 2]) - 16;
      y[j] = static_cast<float>(q0) * d;
      y[j + kBlockSize / 2] = static_cast<float>(q1) * d;
    }
  }
}

void FromFloatRef(const float* x, void* vy, int64_t n) {
  auto* y = static_cast<BlockQ5_0*>(vy);
  for (int64_t i = 0; i < n / kBlockSize; ++i, x += kBlockSize) {
    // The value of largest magnitude (first one on ties), sign kept, maps to code 0; its mirror
    // would be code 32 and is clamped to 31.
    float amax = 0.0f;
    float max = 0.0f;
    for (int j = 0; j < kBlockSize; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = Fp32ToFp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kBlockSize / 2; ++j) {
      // x * id lies in [-16, 16]: truncating x * id + 16.5 rounds half up, as ggml does.
      const int q0 = std::min(31, static_cast<int>(x[j] * id + 16.5f));
      const int q1 = std::min(31, static_cast<int>(x[j + kBlockSize / 2] * id + 16.5f));
      y[i].qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>(q0 >> 4) << j;
      qh |= static_cast<uint32_t>(q1 >> 4) << (j + kBlockSize / 2);
    }
    std::memcpy(y[i].qh, &qh, sizeof qh);
  }
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ5_0*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  float acc[8] = {};  // ggml's 8-lane accumulator (see q5_0.h)
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    uint8_t hb[kBlockSize];
    SpreadHighBits(HighBits(x[i]), hb);
    int w[kBlockSize];
    for (int j = 0; j < kBlockSize / 2; ++j) {
      w[j] = ((x[i].qs[j] & 0x0F) | hb[j]) - 16;
      w[j + kBlockSize / 2] = ((x[i].qs[j] >> 4) | hb[j + kBlockSize / 2]) - 16;
    }
    AccumulateBlock32(w, y[i].qs, Fp16ToFp32(x[i].d) * Fp16ToFp32(y[i].d), acc);
  }
  *s = HalvingSum8(acc);
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, nullptr, ToFloat});
}  // namespace scalar

}  // namespace edgellm::quant::q5_0
