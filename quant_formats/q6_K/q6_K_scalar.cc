// q6_K reference quantizer, dequantizer and scalar dot product (see q6_K.h for the layout).
// Bit-exact with ggml: same float operations in the same order; this file is compiled with
// -ffp-contract=off so that no multiply-add gets fused where ggml's reference does not fuse.
#include <algorithm>
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/kquant_scalar.h"
#include "quant_formats/q6_K/q6_K.h"

namespace edgellm::quant::q6k {
namespace {

// ggml's make_qx_quants with rmse_type 1 and no importance weights (weights x^2): picks the
// scale among -(nmax + 0.1 k) / max, k in [-9, 9], that maximises sum(w x l)^2 / sum(w l^2), and
// returns the least-squares scale for it. L gets l + nmax, l in [-nmax, nmax - 1].
float MakeQxQuants(int n, int nmax, const float* x, int8_t* L) {
  float max, sumlx, suml2;
  if (!StartSymmetricFit(n, nmax, x, L, nmax, &max, &sumlx, &suml2)) return 0.f;
  int8_t Laux[16];  // n is 16
  const auto fit = [&](int k, float* slx, float* sl2) {
    FitSymmetric(n, nmax, x, -(nmax + 0.1f * k) / max, Laux, nmax, slx, sl2);
  };
  const auto chosen = [&](int) { std::memcpy(L, Laux, n); };
  return RefineScale(suml2 != 0 ? sumlx / suml2 : 0.0f, sumlx, 9, true, fit, chosen);
}

}  // namespace

void FromFloatRef(const float* x, void* vy, int64_t n) {
  QuantizeBlocks<BlockQ6K>(x, vy, n, [](const float* xb, BlockQ6K& b) {
    GroupFit16 fit = FitGroups16(xb, 32, MakeQxQuants);
    if (fit.amax < kGroupMaxEps) {
      std::memset(&b, 0, sizeof b);
      return;
    }
    const float iscale = -128.f / fit.max_scale;
    b.d = Fp32ToFp16(1 / iscale);
    for (int j = 0; j < kQK_K / 16; ++j) {
      b.scales[j] = static_cast<int8_t>(std::min(127, NearestInt(iscale * fit.scales[j])));
    }
    // Requantize every weight against the scale as stored (fp16 d times the int8 scale).
    const int8_t* L = fit.L;
    RequantizeGroups16(xb, Fp16ToFp32(b.d), b.scales, 32, fit.L);
    for (int h = 0; h < 2; ++h) {
      const int j = 128 * h;
      uint8_t* ql = b.ql + 64 * h;
      uint8_t* qh = b.qh + 32 * h;
      for (int l = 0; l < 32; ++l) {
        const int q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
        ql[l] = static_cast<uint8_t>((q1 & 0xF) | ((q3 & 0xF) << 4));
        ql[l + 32] = static_cast<uint8_t>((q2 & 0xF) | ((q4 & 0xF) << 4));
        qh[l] = static_cast<uint8_t>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) |
                                     ((q4 >> 4) << 6));
      }
    }
  });
}

void ToFloat(const void* vx, float* y, int64_t n) {
  DequantizeBlocks<BlockQ6K>(vx, y, n, [](const BlockQ6K& b, float* yb) {
    const float d = Fp16ToFp32(b.d);
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = b.ql + 64 * h;
      const uint8_t* qh = b.qh + 32 * h;
      const int8_t* sc = b.scales + 8 * h;
      float* yh = yb + 128 * h;
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        // ggml's order: (d * scale) * q, each product rounded to float.
        yh[l] = d * sc[is] * q1;
        yh[l + 32] = d * sc[is + 2] * q2;
        yh[l + 64] = d * sc[is + 4] * q3;
        yh[l + 96] = d * sc[is + 6] * q4;
      }
    }
  });
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  SuperBlockDot<MinTerm::kNone, BlockQ6K>(
      n, s, vx, vy, [](const BlockQ6K& b, const BlockQ8_K& y, int32_t* lanes, int32_t*) {
        int w[kQK_K];  // the quants in weight order, offset 32 not yet subtracted
        for (int h = 0; h < 2; ++h) {
          const uint8_t* ql = b.ql + 64 * h;
          const uint8_t* qh = b.qh + 32 * h;
          int* qb = w + 128 * h;
          for (int l = 0; l < 32; ++l) {
            qb[l] = (ql[l] & 0xF) | ((qh[l] & 3) << 4);
            qb[l + 32] = (ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4);
            qb[l + 64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
            qb[l + 96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
          }
        }
        int scales[kQK_K / 16];
        for (int g = 0; g < kQK_K / 16; ++g) scales[g] = b.scales[g];
        LaneSums256(w, y.qs, scales, 16, lanes);
        // The -32 offset, taken out through the q8_K group sums: groups 2k, 2k+1 from lane k.
        for (int k = 0; k < 8; ++k) {
          lanes[k] -=
              32 * (scales[2 * k] * y.bsums[2 * k] + scales[2 * k + 1] * y.bsums[2 * k + 1]);
        }
      });
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar});
}  // namespace scalar

}  // namespace edgellm::quant::q6k
