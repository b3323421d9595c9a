// q8_K reference quantizer and dequantizer (ggml-quants.c: quantize_row_q8_K_ref,
// dequantize_row_q8_K).
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/q8_K/q8_K.h"

namespace edgellm::quant::q8_K {

void QuantizeRowRef(const float* x, void* vy, int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    // The signed value of largest magnitude, the first one on ties (strict >, as ggml).
    float amax;
    const float max = SignedAbsMax(x, kQK_K, &amax);
    if (amax == 0) {
      // ggml leaves bsums unwritten here; zeros are what its zero-initialised buffers hold.
      std::memset(&y[i], 0, sizeof(BlockQ8_K));
      continue;
    }
    // -127 / max, not 127 / amax: the largest-magnitude value maps to -127 exactly as in ggml.
    const float iscale = -127.f / max;
    for (int j = 0; j < kQK_K; ++j) {
      const int v = NearestInt(iscale * x[j]);
      y[i].qs[j] = static_cast<int8_t>(v < 127 ? v : 127);
    }
    for (int g = 0; g < kQK_K / 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += y[i].qs[16 * g + l];
      y[i].bsums[g] = static_cast<int16_t>(sum);
    }
    y[i].d = 1 / iscale;
  }
}

void DequantizeRow(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ8_K*>(vx);
  const int64_t nb = n / kQK_K;
  for (int64_t i = 0; i < nb; ++i) {
    for (int j = 0; j < kQK_K; ++j) *y++ = x[i].d * x[i].qs[j];
  }
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, nullptr, nullptr, QuantizeRowRef});
}  // namespace scalar

}  // namespace edgellm::quant::q8_K
