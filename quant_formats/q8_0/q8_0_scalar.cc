#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0 {

void QuantizeRowRef(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    int sum;
    out[b].d = Fp32ToFp16(QuantizeQ8BlockRef(x + b * kQK8_0, out[b].qs, &sum));
  }
}

void QuantizeRowAct(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    int sum;
    out[b].d = Fp32ToFp16(QuantizeQ8BlockX86(x + b * kQK8_0, out[b].qs, &sum));
  }
}

void DequantizeRow(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const BlockQ8_0*>(x);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = Fp16ToFp32(in[b].d);
    for (int j = 0; j < kQK8_0; ++j) y[b * kQK8_0 + j] = in[b].qs[j] * d;
  }
}

void VecDotScalar(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ8_0*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  float acc[8] = {};  // ggml's 8-lane accumulator (see q8_0.h)
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    int w[kQK8_0];
    for (int j = 0; j < kQK8_0; ++j) w[j] = bx[b].qs[j];
    AccumulateBlock32(w, by[b].qs, Fp16ToFp32(bx[b].d) * Fp16ToFp32(by[b].d), acc);
  }
  *s = HalvingSum8(acc);
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, QuantizeRowAct, DequantizeRow});
}  // namespace scalar

}  // namespace edgellm::quant::q8_0
