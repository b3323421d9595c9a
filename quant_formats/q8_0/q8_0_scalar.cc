// Portable q8_0 kernels: the two quantizers, dequantization and the dot product.
#include <algorithm>
#include <cstdint>

#include "quant_formats/common/block32_scalar.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
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

namespace {

// The format for block32_scalar.h's loops: weights are the quants.
struct Format {
  using Block = BlockQ8_0;
  using Act = BlockQ8_0;
  static constexpr bool kHasMin = false;
  static void Values(const BlockQ8_0& b, int* w) { std::copy(b.qs, b.qs + kQK8_0, w); }
};

}  // namespace

void DequantizeRow(const void* x, float* y, int64_t n) { block32::DequantizeRow<Format>(x, y, n); }

// One 8-lane accumulator (see q8_0.h).
void VecDotScalar(int64_t n, float* s, const void* x, const void* y) {
  block32::DotOneAccumulator<Format>(n, s, x, y);
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, QuantizeRowAct, DequantizeRow});
}  // namespace scalar

}  // namespace edgellm::quant::q8_0
