// iq4_xs reference quantizer, dequantizer and scalar dot product (see iq4_xs.h for the layout).
// Bit-exact with ggml: same float operations in the same order; this file is compiled with
// -ffp-contract=off so that no multiply-add gets fused where ggml's reference does not fuse.
#include <algorithm>
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/iq4_values.h"
#include "quant_formats/common/kquant_scalar.h"
#include "quant_formats/iq4_xs/iq4_xs.h"

namespace edgellm::quant::iq4xs {
namespace {

constexpr int kSubBlock = 32;
constexpr int kTries = 7;  // ggml's ntry for iq4_xs: candidate scales (t - 127) / max, |t| <= 7

// Best sub-block scale for weights x^2 (ggml's quantize_row_iq4_nl_impl without importance
// weights): the least-squares scale of the codes picked by max / 127, replaced by that of a
// candidate (t - 127) / max whenever its codes fit better (larger sum(w q x)^2 / sum(w q^2)).
float SubBlockScale(const float* xb) {
  float amax;
  const float max = SignedAbsMax(xb, kSubBlock, &amax);
  if (amax < kGroupMaxEps) return 0;
  // Sum over the sub-block of w q x and w q^2 for the codes nearest to id * x.
  auto fit = [&](float id, float* sumqx, float* sumq2) {
    *sumqx = 0;
    *sumq2 = 0;
    for (int j = 0; j < kSubBlock; ++j) {
      const float q = kValuesIq4Nl[BestIndexInt8(16, kValuesIq4Nl, id * xb[j])];
      const float w = xb[j] * xb[j];
      *sumqx += w * q * xb[j];
      *sumq2 += w * q * q;
    }
  };
  float sumqx, sumq2;
  fit(1 / (-max / kValuesIq4Nl[0]), &sumqx, &sumq2);
  const auto fit_k = [&](int k, float* sqx, float* sq2) {
    fit((k + kValuesIq4Nl[0]) / max, sqx, sq2);
  };
  return RefineScale(sumq2 > 0 ? sumqx / sumq2 : 0.f, sumqx, kTries, false, fit_k, [](int) {});
}

}  // namespace

void FromFloatRef(const float* x, void* vy, int64_t n) {
  BlockIQ4XS* y = static_cast<BlockIQ4XS*>(vy);
  const int64_t nb = n / kQK_K;
  constexpr int kSubBlocks = kQK_K / kSubBlock;
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    BlockIQ4XS& b = y[i];
    float scales[kSubBlocks];
    for (int ib = 0; ib < kSubBlocks; ++ib) scales[ib] = SubBlockScale(x + kSubBlock * ib);
    float amax_scale;
    const float max_scale = SignedAbsMax(scales, kSubBlocks, &amax_scale);
    // 6-bit sub-block scales against d = -max_scale / 32 (unrounded d, as ggml), then the codes
    // against each sub-block's scale as stored.
    const float d = -max_scale / 32;
    b.d = Fp32ToFp16(d);
    b.scales_h = 0;
    const float id = d != 0 ? 1 / d : 0.f;
    uint8_t L[kQK_K];
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      int l = std::max(-32, std::min(31, NearestInt(id * scales[ib])));
      const float dl = d * l;
      const float idl = dl != 0 ? 1 / dl : 0.f;
      const float* xb = x + kSubBlock * ib;
      for (int j = 0; j < kSubBlock; ++j) {
        L[kSubBlock * ib + j] = static_cast<uint8_t>(BestIndexInt8(16, kValuesIq4Nl, idl * xb[j]));
      }
      l += 32;
      if (ib % 2 == 0) {
        b.scales_l[ib / 2] = static_cast<uint8_t>(l & 0xF);
      } else {
        b.scales_l[ib / 2] |= static_cast<uint8_t>((l & 0xF) << 4);
      }
      b.scales_h |= static_cast<uint16_t>((l >> 4) << (2 * ib));
    }
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      for (int j = 0; j < 16; ++j) {
        b.qs[16 * ib + j] = static_cast<uint8_t>(L[32 * ib + j] | (L[32 * ib + 16 + j] << 4));
      }
    }
  }
}

void ToFloat(const void* vx, float* y, int64_t n) {
  DequantizeBlocks<BlockIQ4XS>(vx, y, n, [](const BlockIQ4XS& b, float* yb) {
    const float d = Fp16ToFp32(b.d);
    for (int ib = 0; ib < kQK_K / 32; ++ib, yb += 32) {
      const float dl = d * SubScale(b, ib);
      const uint8_t* qs = b.qs + 16 * ib;
      for (int j = 0; j < 16; ++j) {
        yb[j] = dl * kValuesIq4Nl[qs[j] & 0xF];
        yb[j + 16] = dl * kValuesIq4Nl[qs[j] >> 4];
      }
    }
  });
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  SuperBlockDot<MinTerm::kNone, BlockIQ4XS>(
      n, s, vx, vy, [](const BlockIQ4XS& b, const BlockQ8_K& y, int32_t* lanes, int32_t*) {
        int w[kQK_K];  // the levels in weight order
        int scales[kQK_K / 32];
        for (int ib = 0; ib < kQK_K / 32; ++ib) {
          scales[ib] = SubScale(b, ib);
          for (int j = 0; j < 16; ++j) {
            w[32 * ib + j] = kValuesIq4Nl[b.qs[16 * ib + j] & 0xF];
            w[32 * ib + j + 16] = kValuesIq4Nl[b.qs[16 * ib + j] >> 4];
          }
        }
        LaneSums256(w, y.qs, scales, 32, lanes);
      });
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar});
}  // namespace scalar

}  // namespace edgellm::quant::iq4xs
