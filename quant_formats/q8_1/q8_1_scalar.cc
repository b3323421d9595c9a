#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_1/q8_1.h"

namespace edgellm::quant::q8_1 {

void QuantizeRowRef(const float* x, void* y, int64_t n) {
  QuantizeRow<QuantizeQ8BlockRef, Fp32ToFp16>(x, y, n);
}

void QuantizeRowAct(const float* x, void* y, int64_t n) {
  QuantizeRow<QuantizeQ8BlockX86, Fp32ToFp16>(x, y, n);
}

void DequantizeRow(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const BlockQ8_1*>(x);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = Fp16ToFp32(in[b].d);
    for (int j = 0; j < kQK8_0; ++j) y[b * kQK8_0 + j] = in[b].qs[j] * d;
  }
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, nullptr, nullptr, QuantizeRowAct});
}  // namespace scalar

}  // namespace edgellm::quant::q8_1
