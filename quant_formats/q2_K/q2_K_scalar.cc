// q2_K reference quantizer, dequantizer and scalar dot product (see q2_K.h for the layout).
// Bit-exact with ggml: same float operations in the same order; this file is compiled with
// -ffp-contract=off so that no multiply-add gets fused where ggml's reference does not fuse.
#include <algorithm>
#include <cmath>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/kquant_scalar.h"
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
      RequantizeWithMin(x + 16 * j, 16, d, dm, 3, L + 16 * j);
    }
    PackLow2Bits(L, b.qs);
  }
}

void ToFloat(const void* vx, float* y, int64_t n) {
  const BlockQ2K* x = static_cast<const BlockQ2K*>(vx);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    const float min = Fp16ToFp32(x[i].dmin);
    for (int g = 0; g < kQK_K / 16; ++g) {
      const float dl = d * (x[i].scales[g] & 0xF);
      const float ml = min * (x[i].scales[g] >> 4);
      for (int v = 16 * g; v < 16 * g + 16; ++v) *y++ = dl * Low2Bits(x[i].qs, v) - ml;
    }
  }
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  SuperBlockDot<MinTerm::kLanes8, BlockQ2K>(
      n, s, vx, vy, [](const BlockQ2K& b, const BlockQ8_K& y, int32_t* lanes, int32_t* mins) {
        int w[kQK_K], scales[kQK_K / 16];
        for (int v = 0; v < kQK_K; ++v) w[v] = Low2Bits(b.qs, v);
        for (int g = 0; g < kQK_K / 16; ++g) scales[g] = b.scales[g] & 0xF;
        LaneSums256(w, y.qs, scales, 16, lanes);
        // Min lane k: groups 2k, 2k+1, each group's min times its q8_K sum.
        for (int k = 0; k < 8; ++k) {
          mins[k] = (b.scales[2 * k] >> 4) * y.bsums[2 * k] +
                    (b.scales[2 * k + 1] >> 4) * y.bsums[2 * k + 1];
        }
      });
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar});
}  // namespace scalar

}  // namespace edgellm::quant::q2k
