// q2_K reference quantizer, dequantizer and scalar dot product (see q2_K.h for the layout).
// Bit-exact with ggml: same float operations in the same order; this file is compiled with
// -ffp-contract=off so that no multiply-add gets fused where ggml's reference does not fuse.
#include <algorithm>
#include <cmath>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/q2_K/q2_K.h"

namespace edgellm::quant::q2k {

void FromFloatRef(const float* x, void* vy, int64_t n) {
  BlockQ2K* y = static_cast<BlockQ2K*>(vy);
  const int64_t nb = n / kQK_K;
  constexpr float kQ4Scale = 15.f;  // scales and mins are stored as 4-bit multiples
  uint8_t L[kQK_K];
  uint8_t Laux[16];
  float weights[16];
  float mins[kQK_K / 16];
  float scales[kQK_K / 16];
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    BlockQ2K& b = y[i];
    float max_scale = 0;  // the min is subtracted, so scales are never negative
    float max_min = 0;
    for (int j = 0; j < kQK_K / 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = MakeQkx2Quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f,
                                 0.1f, 15, true);
      max_scale = std::max(max_scale, scales[j]);
      max_min = std::max(max_min, mins[j]);
    }
    if (max_scale > 0) {
      const float iscale = kQ4Scale / max_scale;
      for (int j = 0; j < kQK_K / 16; ++j) {
        b.scales[j] = static_cast<uint8_t>(NearestInt(iscale * scales[j]));
      }
      b.d = Fp32ToFp16(max_scale / kQ4Scale);
    } else {
      for (int j = 0; j < kQK_K / 16; ++j) b.scales[j] = 0;
      b.d = Fp32ToFp16(0.f);
    }
    if (max_min > 0) {
      const float iscale = kQ4Scale / max_min;
      for (int j = 0; j < kQK_K / 16; ++j) {
        b.scales[j] |=
            static_cast<uint8_t>(static_cast<unsigned>(NearestInt(iscale * mins[j])) << 4);
      }
      b.dmin = Fp32ToFp16(max_min / kQ4Scale);
    } else {
      b.dmin = Fp32ToFp16(0.f);
    }
    // Requantize every weight against the scale and min as stored.
    for (int j = 0; j < kQK_K / 16; ++j) {
      const float d = Fp16ToFp32(b.d) * (b.scales[j] & 0xF);
      if (d == 0) continue;
      const float dm = Fp16ToFp32(b.dmin) * (b.scales[j] >> 4);
      for (int ii = 0; ii < 16; ++ii) {
        const int l = NearestInt((x[16 * j + ii] + dm) / d);
        L[16 * j + ii] = static_cast<uint8_t>(std::max(0, std::min(3, l)));
      }
    }
    for (int j = 0; j < kQK_K; j += 128) {
      for (int l = 0; l < 32; ++l) {
        b.qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) |
                                               (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
      }
    }
  }
}

void ToFloat(const void* vx, float* y, int64_t n) {
  const BlockQ2K* x = static_cast<const BlockQ2K*>(vx);
  const int64_t nb = n / kQK_K;
  for (int64_t i = 0; i < nb; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    const float min = Fp16ToFp32(x[i].dmin);
    int is = 0;
    for (int h = 0; h < 2; ++h) {
      const uint8_t* q = x[i].qs + 32 * h;
      for (int shift = 0; shift < 8; shift += 2) {
        for (int half = 0; half < 2; ++half) {
          const uint8_t sc = x[i].scales[is++];
          const float dl = d * (sc & 0xF);
          const float ml = min * (sc >> 4);
          for (int l = 16 * half; l < 16 * half + 16; ++l) *y++ = dl * ((q[l] >> shift) & 3) - ml;
        }
      }
    }
  }
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockQ2K* x = static_cast<const BlockQ2K*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  float acc[8] = {};  // ggml's 8-lane accumulator (see q2_K.h)
  for (int64_t i = 0; i < nb; ++i) {
    int w[kQK_K];  // the quants in weight order
    for (int h = 0; h < 2; ++h) {
      for (int j = 0; j < 4; ++j) {
        for (int l = 0; l < 32; ++l) w[128 * h + 32 * j + l] = (x[i].qs[32 * h + l] >> (2 * j)) & 3;
      }
    }
    int scales[kQK_K / 16];
    for (int g = 0; g < kQK_K / 16; ++g) scales[g] = x[i].scales[g] & 0xF;
    int32_t lanes[8];
    LaneSums256(w, y[i].qs, scales, 16, lanes);
    const float dall = y[i].d * Fp16ToFp32(x[i].d);
    const float dmin = y[i].d * Fp16ToFp32(x[i].dmin);
    // First the min terms (groups 2k, 2k+1 in lane k), then the scaled sums, as ggml.
    for (int k = 0; k < 8; ++k) {
      const int32_t msum = (x[i].scales[2 * k] >> 4) * y[i].bsums[2 * k] +
                           (x[i].scales[2 * k + 1] >> 4) * y[i].bsums[2 * k + 1];
      acc[k] = std::fma(-dmin, static_cast<float>(msum), acc[k]);
    }
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(dall, static_cast<float>(lanes[l]), acc[l]);
  }
  *s = HalvingSum8(acc);
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar});
}  // namespace scalar

}  // namespace edgellm::quant::q2k
