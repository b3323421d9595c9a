// q3_K reference quantizer, dequantizer and scalar dot product (see q3_K.h for the layout).
// Bit-exact with ggml: same float operations in the same order; this file is compiled with
// -ffp-contract=off so that no multiply-add gets fused where ggml's reference does not fuse.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/q3_K/q3_K.h"

namespace edgellm::quant::q3k {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // ggml's GROUP_MAX_EPS: below this a group is all zero

// ggml's make_q3_quants with do_rmse: starts from round(-nmax / max * x), then for up to 5
// rounds moves single levels where that raises sum(w x l)^2 / sum(w l^2), w = x^2. Returns the
// least-squares scale; L gets l + nmax, l in [-nmax, nmax - 1].
float MakeQ3Quants(int n, int nmax, const float* x, int8_t* L) {
  float max = 0;
  float amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, n);
    return 0.f;
  }
  const float iscale = -nmax / max;
  float sumlx = 0;
  float suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = std::max(-nmax, std::min(nmax - 1, NearestInt(iscale * x[i])));
    L[i] = static_cast<int8_t>(l);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * L[i];
      if (slx > 0) {
        float sl2 = suml2 - w * L[i] * L[i];
        const int new_l = std::max(-nmax, std::min(nmax - 1, NearestInt(x[i] * sl2 / slx)));
        if (new_l != L[i]) {
          slx += w * x[i] * new_l;
          sl2 += w * new_l * new_l;
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<int8_t>(new_l);
            sumlx = slx;
            suml2 = sl2;
            ++n_changed;
          }
        }
      }
    }
    if (n_changed == 0) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// The 16 scales of a block in [-32, 31], in sub-block order.
void UnpackScales(const uint8_t packed[12], int8_t out[16]) {
  uint32_t words[4];
  UnpackScaleWords(packed, words);
  std::memcpy(out, words, sizeof words);
  for (int k = 0; k < 16; ++k) out[k] = static_cast<int8_t>(out[k] - 32);
}

}  // namespace

void FromFloatRef(const float* x, void* vy, int64_t n) {
  BlockQ3K* y = static_cast<BlockQ3K*>(vy);
  const int64_t nb = n / kQK_K;
  int8_t L[kQK_K];
  float scales[kQK_K / 16];
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    BlockQ3K& b = y[i];
    float max_scale = 0;
    float amax = 0;
    for (int j = 0; j < kQK_K / 16; ++j) {
      scales[j] = MakeQ3Quants(16, 4, x + 16 * j, L + 16 * j);
      const float scale = std::fabs(scales[j]);
      if (scale > amax) {
        amax = scale;
        max_scale = scales[j];
      }
    }
    std::memset(b.scales, 0, sizeof b.scales);
    if (max_scale != 0) {
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < kQK_K / 16; ++j) {
        const int l = std::max(-32, std::min(31, NearestInt(iscale * scales[j]))) + 32;
        if (j < 8) {
          b.scales[j] = static_cast<uint8_t>(l & 0xF);
        } else {
          b.scales[j - 8] |= static_cast<uint8_t>((l & 0xF) << 4);
        }
        b.scales[j % 4 + 8] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
      }
      b.d = Fp32ToFp16(1 / iscale);
    } else {
      b.d = Fp32ToFp16(0.f);
    }
    // Requantize every weight against the scale as stored (fp16 d times the 6-bit scale).
    int8_t sc[16];
    UnpackScales(b.scales, sc);
    for (int j = 0; j < kQK_K / 16; ++j) {
      const float d = Fp16ToFp32(b.d) * sc[j];
      if (d == 0) continue;
      for (int ii = 0; ii < 16; ++ii) {
        const int l = NearestInt(x[16 * j + ii] / d);
        L[16 * j + ii] = static_cast<int8_t>(std::max(-4, std::min(3, l)) + 4);
      }
    }
    // Bit 2 of weight j goes to bit j / 32 of hmask[j % 32]; the low 2 bits to qs.
    std::memset(b.hmask, 0, sizeof b.hmask);
    for (int j = 0; j < kQK_K; ++j) {
      if (L[j] > 3) {
        b.hmask[j % 32] |= static_cast<uint8_t>(1 << (j / 32));
        L[j] = static_cast<int8_t>(L[j] - 4);
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
  const BlockQ3K* x = static_cast<const BlockQ3K*>(vx);
  const int64_t nb = n / kQK_K;
  for (int64_t i = 0; i < nb; ++i) {
    const float d_all = Fp16ToFp32(x[i].d);
    int8_t sc[16];
    UnpackScales(x[i].scales, sc);
    for (int h = 0; h < 2; ++h) {
      const uint8_t* q = x[i].qs + 32 * h;
      for (int j = 0; j < 4; ++j) {
        const int shift = 2 * j;
        const int bit = 4 * h + j;
        for (int half = 0; half < 2; ++half) {
          const float dl = d_all * sc[8 * h + 2 * j + half];
          for (int l = 16 * half; l < 16 * half + 16; ++l) {
            const int hi = (x[i].hmask[l] >> bit) & 1;
            *y++ = dl * (((q[l] >> shift) & 3) - (hi ? 0 : 4));
          }
        }
      }
    }
  }
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockQ3K* x = static_cast<const BlockQ3K*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  float acc[8] = {};  // ggml's 8-lane accumulator (see q3_K.h)
  for (int64_t i = 0; i < nb; ++i) {
    int8_t sc[16];
    UnpackScales(x[i].scales, sc);
    int w[kQK_K];  // the levels in weight order: low bits, minus 4 where the high bit is clear
    for (int h = 0; h < 2; ++h) {
      for (int j = 0; j < 4; ++j) {
        for (int l = 0; l < 32; ++l) {
          const int hi = (x[i].hmask[l] >> (4 * h + j)) & 1;
          w[128 * h + 32 * j + l] = ((x[i].qs[32 * h + l] >> (2 * j)) & 3) - (hi ? 0 : 4);
        }
      }
    }
    int scales[kQK_K / 16];
    for (int g = 0; g < kQK_K / 16; ++g) scales[g] = sc[g];
    int32_t lanes[8];
    LaneSums256(w, y[i].qs, scales, 16, lanes);
    const float d = y[i].d * Fp16ToFp32(x[i].d);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(lanes[l]), acc[l]);
  }
  *s = HalvingSum8(acc);
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar});
}  // namespace scalar

}  // namespace edgellm::quant::q3k
