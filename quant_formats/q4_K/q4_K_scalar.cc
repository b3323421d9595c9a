// q4_K reference quantizer, dequantizer and scalar dot product (ggml-quants.c:
// quantize_row_q4_K_ref, dequantize_row_q4_K; ggml-cpu quants.c: ggml_vec_dot_q4_K_q8_K).
#include <cmath>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {

void QuantizeRowRef(const float* x, void* vy, int64_t n) {
  auto* y = static_cast<BlockQ4_K*>(vy);
  const int64_t nb = n / kQK_K;
  uint8_t L[kQK_K];
  uint8_t Laux[32];
  float weights[32];
  float mins[kQK_K / 32];
  float scales[kQK_K / 32];
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    // Mins are subtracted, so scales and mins are both non-negative.
    float max_scale = 0;
    float max_min = 0;
    for (int j = 0; j < kQK_K / 32; ++j) {
      const float* xj = x + 32 * j;
      float sum_x2 = 0;
      for (int l = 0; l < 32; ++l) sum_x2 += xj[l] * xj[l];
      const float av_x = std::sqrt(sum_x2 / 32);
      for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xj[l]);
      scales[j] = MakeQkx2Quants(32, 15, xj, weights, L + 32 * j, &mins[j], Laux, -1.f, 0.1f, 20,
                                 false);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    for (int j = 0; j < kQK_K / 32; ++j) {
      // uint8_t truncation before the clamp, as in ggml.
      uint8_t ls = static_cast<uint8_t>(NearestInt(inv_scale * scales[j]));
      uint8_t lm = static_cast<uint8_t>(NearestInt(inv_min * mins[j]));
      ls = ls < 63 ? ls : 63;
      lm = lm < 63 ? lm : 63;
      PutScaleMinK4(j, ls, lm, y[i].scales);
    }
    y[i].d = Fp32ToFp16(max_scale / 63.f);
    y[i].dmin = Fp32ToFp16(max_min / 63.f);

    // Requantize against the rounded 6-bit scales and fp16 super-scales actually stored.
    for (int j = 0; j < kQK_K / 32; ++j) {
      uint8_t sc, m;
      GetScaleMinK4(j, y[i].scales, &sc, &m);
      const float d = Fp16ToFp32(y[i].d) * sc;
      if (d == 0) continue;  // keep the levels MakeQkx2Quants chose, as ggml does
      const float dm = Fp16ToFp32(y[i].dmin) * m;
      for (int l = 0; l < 32; ++l) {
        const int q = NearestInt((x[32 * j + l] + dm) / d);
        L[32 * j + l] = static_cast<uint8_t>(q < 0 ? 0 : (q > 15 ? 15 : q));
      }
    }
    uint8_t* q = y[i].qs;
    for (int j = 0; j < kQK_K; j += 64, q += 32) {
      for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    }
  }
}

void DequantizeRow(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ4_K*>(vx);
  const int64_t nb = n / kQK_K;
  for (int64_t i = 0; i < nb; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    const float min = Fp16ToFp32(x[i].dmin);
    const uint8_t* q = x[i].qs;
    for (int j = 0; j < kQK_K / 32; j += 2, q += 32) {
      uint8_t sc, m;
      GetScaleMinK4(j, x[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = min * m;
      GetScaleMinK4(j + 1, x[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
    }
  }
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ4_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  float acc[8] = {};    // ggml's 8-lane accumulator of the scaled sums (see q4_K.h)
  float acc_m[4] = {};  // and its 4-lane accumulator of the min terms
  for (int64_t i = 0; i < nb; ++i) {
    uint8_t sm[16];  // scales then mins
    UnpackScalesMinsK4(x[i].scales, sm);
    int w[kQK_K], scales[8];
    for (int j = 0; j < kQK_K / 32; ++j) {
      scales[j] = sm[j];
      const uint8_t* q = x[i].qs + 32 * (j / 2);
      for (int l = 0; l < 32; ++l) w[32 * j + l] = (q[l] >> (4 * (j % 2))) & 0xF;
    }
    int32_t lanes[8];
    LaneSums256(w, y[i].qs, scales, 32, lanes);
    const float d = y[i].d * Fp16ToFp32(x[i].d);
    const float dmin = -y[i].d * Fp16ToFp32(x[i].dmin);
    // Lane k: mins of sub-blocks 2k, 2k+1 times their activation sums (two q8_K sums each).
    for (int k = 0; k < 4; ++k) {
      int32_t prod = 0;
      for (int j = 2 * k; j < 2 * k + 2; ++j) {
        prod += sm[8 + j] * static_cast<int16_t>(y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
      }
      acc_m[k] = std::fma(dmin, static_cast<float>(prod), acc_m[k]);
    }
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(lanes[l]), acc[l]);
  }
  *s = HalvingSum8(acc) + ((acc_m[0] + acc_m[2]) + (acc_m[1] + acc_m[3]));
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar});
}  // namespace scalar

}  // namespace edgellm::quant::q4_K
