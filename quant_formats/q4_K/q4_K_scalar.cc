// q4_K reference quantizer, dequantizer and scalar dot product (ggml-quants.c:
// quantize_row_q4_K_ref, dequantize_row_q4_K; ggml-cpu quants.c: ggml_vec_dot_q4_K_q8_K). The
// steps shared with q5_K are in common/kquant_scalar.h.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/kquant_scalar.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {
namespace {

// Level of weight l of sub-block j: low nibbles of qs[32c..32c+31] for j = 2c, high for 2c + 1.
constexpr auto kLevel = [](const BlockQ4_K& b, int j, int l) {
  return (b.qs[32 * (j / 2) + l] >> (4 * (j % 2))) & 0xF;
};

}  // namespace

void QuantizeRowRef(const float* x, void* vy, int64_t n) {
  auto* y = static_cast<BlockQ4_K*>(vy);
  uint8_t L[kQK_K];
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    QuantizeScaleMinK4(x, 15, -1.f, 20, y[i].scales, &y[i].d, &y[i].dmin, L);
    uint8_t* q = y[i].qs;
    for (int j = 0; j < kQK_K; j += 64, q += 32) {
      for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    }
  }
}

void DequantizeRow(const void* vx, float* y, int64_t n) {
  DequantizeScaleMinK4<BlockQ4_K>(vx, y, n, kLevel);
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  VecDotScaleMinK4<MinTerm::kLanes4, BlockQ4_K>(n, s, vx, vy, kLevel);
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar});
}  // namespace scalar

}  // namespace edgellm::quant::q4_K
