// Portable Q4_0 kernels: the reference quantizer, dequantization and the scalar dot product.
#include <algorithm>
#include <cmath>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0 {

void ToFloat(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ4_0*>(vx);
  for (int64_t i = 0; i < n / kBlockSize; ++i, y += kBlockSize) {
    const float d = Fp16ToFp32(x[i].d);
    for (int j = 0; j < kBlockSize / 2; ++j) {
      y[j] = static_cast<float>((x[i].qs[j] & 0x0F) - 8) * d;
      y[j + kBlockSize / 2] = static_cast<float>((x[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void FromFloatRef(const float* x, void* vy, int64_t n) {
  auto* y = static_cast<BlockQ4_0*>(vy);
  for (int64_t i = 0; i < n / kBlockSize; ++i, x += kBlockSize) {
    // The value of largest magnitude (first one on ties), sign kept, maps to code 0; its mirror
    // would be code 16 and is clamped to 15.
    float amax = 0.0f;
    float max = 0.0f;
    for (int j = 0; j < kBlockSize; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = Fp32ToFp16(d);
    for (int j = 0; j < kBlockSize / 2; ++j) {
      // x * id lies in [-8, 8]: truncating x * id + 8.5 rounds half up, as ggml does.
      const int q0 = std::min(15, static_cast<int>(x[j] * id + 8.5f));
      const int q1 = std::min(15, static_cast<int>(x[j + kBlockSize / 2] * id + 8.5f));
      y[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ4_0*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  float acc[8] = {};  // ggml's 8-lane accumulator (see q4_0.h)
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    int w[kBlockSize];
    for (int j = 0; j < kBlockSize / 2; ++j) {
      w[j] = (x[i].qs[j] & 0x0F) - 8;
      w[j + kBlockSize / 2] = (x[i].qs[j] >> 4) - 8;
    }
    AccumulateBlock32(w, y[i].qs, Fp16ToFp32(x[i].d) * Fp16ToFp32(y[i].d), acc);
  }
  *s = HalvingSum8(acc);
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, nullptr, ToFloat});
}  // namespace scalar

}  // namespace edgellm::quant::q4_0
