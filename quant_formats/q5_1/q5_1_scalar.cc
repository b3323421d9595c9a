// Portable Q5_1 kernels: the reference quantizer, dequantization and the scalar dot product.
#include <cfloat>
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/high_bits.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/q5_1/q5_1.h"

namespace edgellm::quant::q5_1 {
namespace {

inline uint32_t HighBits(const BlockQ5_1& b) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, sizeof qh);
  return qh;
}

}  // namespace

void ToFloat(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ5_1*>(vx);
  for (int64_t i = 0; i < n / kBlockSize; ++i, y += kBlockSize) {
    const float d = Fp16ToFp32(x[i].d);
    const float m = Fp16ToFp32(x[i].m);
    uint8_t hb[kBlockSize];
    SpreadHighBits(HighBits(x[i]), hb);
    for (int j = 0; j < kBlockSize / 2; ++j) {
      const int q0 = (x[i].qs[j] & 0x0F) | hb[j];
      const int q1 = (x[i].qs[j] >> 4) | hb[j + kBlockSize / 2];
      y[j] = static_cast<float>(q0) * d + m;
      y[j + kBlockSize / 2] = static_cast<float>(q1) * d + m;
    }
  }
}

void FromFloatRef(const float* x, void* vy, int64_t n) {
  auto* y = static_cast<BlockQ5_1*>(vy);
  for (int64_t i = 0; i < n / kBlockSize; ++i, x += kBlockSize) {
    float min = FLT_MAX;
    float max = -FLT_MAX;
    for (int j = 0; j < kBlockSize; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = Fp32ToFp16(d);
    y[i].m = Fp32ToFp16(min);
    uint32_t qh = 0;
    for (int j = 0; j < kBlockSize / 2; ++j) {
      // (x - min) * id lies in [0, 31]: truncating it + 0.5 rounds half up; ggml does not clamp.
      const int q0 = static_cast<int>((x[j] - min) * id + 0.5f);
      const int q1 = static_cast<int>((x[j + kBlockSize / 2] - min) * id + 0.5f);
      y[i].qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>((q0 >> 4) & 1) << j;
      qh |= static_cast<uint32_t>((q1 >> 4) & 1) << (j + kBlockSize / 2);
    }
    std::memcpy(y[i].qh, &qh, sizeof qh);
  }
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ5_1*>(vx);
  const auto* y = static_cast<const BlockQ8_1*>(vy);
  float acc[8] = {};  // ggml's 8-lane accumulator (see q5_1.h)
  float sum_m = 0.0f;
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    uint8_t hb[kBlockSize];
    SpreadHighBits(HighBits(x[i]), hb);
    int w[kBlockSize];
    for (int j = 0; j < kBlockSize / 2; ++j) {
      w[j] = ((x[i].qs[j] & 0x0F) | hb[j]);
      w[j + kBlockSize / 2] = ((x[i].qs[j] >> 4) | hb[j + kBlockSize / 2]);
    }
    AccumulateBlock32(w, y[i].qs, Fp16ToFp32(x[i].d) * Fp16ToFp32(y[i].d), acc);
    sum_m += Fp16ToFp32(x[i].m) * Fp16ToFp32(y[i].s);
  }
  *s = HalvingSum8(acc) + sum_m;
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, nullptr, ToFloat});
}  // namespace scalar

}  // namespace edgellm::quant::q5_1
