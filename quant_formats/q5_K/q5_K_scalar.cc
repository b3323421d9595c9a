// q5_K reference quantizer, dequantizer and scalar dot product (ggml-quants.c:
// quantize_row_q5_K_ref, dequantize_row_q5_K; ggml-cpu quants.c: ggml_vec_dot_q5_K_q8_K). The
// steps shared with q4_K are in common/kquant_scalar.h.
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/kquant_scalar.h"
#include "quant_formats/q5_K/q5_K.h"

namespace edgellm::quant::q5_K {
namespace {

// Level of weight l of sub-block j: its nibble (as in q4_K) plus 16 * bit j of qh[l].
constexpr auto kLevel = [](const BlockQ5_K& b, int j, int l) {
  return ((b.qs[32 * (j / 2) + l] >> (4 * (j % 2))) & 0xF) | (((b.qh[l] >> j) & 1) << 4);
};

}  // namespace

void QuantizeRowRef(const float* x, void* vy, int64_t n) {
  auto* y = static_cast<BlockQ5_K*>(vy);
  uint8_t L[kQK_K];
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    QuantizeScaleMinK4(x, 31, -0.5f, 15, y[i].scales, &y[i].d, &y[i].dmin, L);
    std::memset(y[i].qh, 0, sizeof(y[i].qh));
    uint8_t* ql = y[i].qs;
    for (int c = 0; c < kQK_K / 64; ++c, ql += 32) {
      for (int l = 0; l < 32; ++l) {
        const int q1 = L[64 * c + l];
        const int q2 = L[64 * c + 32 + l];
        y[i].qh[l] |= static_cast<uint8_t>(((q1 >> 4) << (2 * c)) | ((q2 >> 4) << (2 * c + 1)));
        ql[l] = static_cast<uint8_t>((q1 & 0xF) | ((q2 & 0xF) << 4));
      }
    }
  }
}

void DequantizeRow(const void* vx, float* y, int64_t n) {
  DequantizeScaleMinK4<BlockQ5_K>(vx, y, n, kLevel);
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  VecDotScaleMinK4<MinTerm::kSum, BlockQ5_K>(n, s, vx, vy, kLevel);
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar});
}  // namespace scalar

}  // namespace edgellm::quant::q5_K
