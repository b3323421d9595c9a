// q3_K reference quantizer, dequantizer and scalar dot product (see q3_K.h for the layout).
// Bit-exact with ggml: same float operations in the same order; this file is compiled with
// -ffp-contract=off so that no multiply-add gets fused where ggml's reference does not fuse.
#include <algorithm>
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/kquant_scalar.h"
#include "quant_formats/q3_K/q3_K.h"

namespace edgellm::quant::q3k {
namespace {

// ggml's make_q3_quants with do_rmse: starts from round(-nmax / max * x), then for up to 5
// rounds moves single levels where that raises sum(w x l)^2 / sum(w l^2), w = x^2. Returns the
// least-squares scale; L gets l + nmax, l in [-nmax, nmax - 1].
float MakeQ3Quants(int n, int nmax, const float* x, int8_t* L) {
  float max, sumlx, suml2;
  if (!StartSymmetricFit(n, nmax, x, L, 0, &max, &sumlx, &suml2)) return 0.f;
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

// Level of weight v in [-4, 3]: its low 2 bits, minus 4 where its high bit (bit v / 32 of
// hmask[v % 32]) is clear.
int Level(const BlockQ3K& b, int v) {
  return Low2Bits(b.qs, v) - (((b.hmask[v % 32] >> (v / 32)) & 1) ? 0 : 4);
}

}  // namespace

void FromFloatRef(const float* x, void* vy, int64_t n) {
  QuantizeBlocks<BlockQ3K>(x, vy, n, [](const float* xb, BlockQ3K& b) {
    GroupFit16 fit = FitGroups16(xb, 4, MakeQ3Quants);
    int8_t* L = fit.L;
    std::memset(b.scales, 0, sizeof b.scales);
    if (fit.max_scale != 0) {
      const float iscale = -32.f / fit.max_scale;
      for (int j = 0; j < kQK_K / 16; ++j) {
        const int l = std::max(-32, std::min(31, NearestInt(iscale * fit.scales[j]))) + 32;
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
    RequantizeGroups16(xb, Fp16ToFp32(b.d), sc, 4, L);
    // Bit 2 of weight j goes to bit j / 32 of hmask[j % 32]; the low 2 bits to qs.
    std::memset(b.hmask, 0, sizeof b.hmask);
    for (int j = 0; j < kQK_K; ++j) {
      if (L[j] > 3) {
        b.hmask[j % 32] |= static_cast<uint8_t>(1 << (j / 32));
        L[j] = static_cast<int8_t>(L[j] - 4);
      }
    }
    PackLow2Bits(L, b.qs);
  });
}

void ToFloat(const void* vx, float* y, int64_t n) {
  const BlockQ3K* x = static_cast<const BlockQ3K*>(vx);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d_all = Fp16ToFp32(x[i].d);
    int8_t sc[16];
    UnpackScales(x[i].scales, sc);
    for (int g = 0; g < kQK_K / 16; ++g) {
      const float dl = d_all * sc[g];
      for (int v = 16 * g; v < 16 * g + 16; ++v) *y++ = dl * Level(x[i], v);
    }
  }
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  SuperBlockDot<MinTerm::kNone, BlockQ3K>(
      n, s, vx, vy, [](const BlockQ3K& b, const BlockQ8_K& y, int32_t* lanes, int32_t*) {
        int8_t sc[16];
        UnpackScales(b.scales, sc);
        int w[kQK_K], scales[kQK_K / 16];
        for (int v = 0; v < kQK_K; ++v) w[v] = Level(b, v);
        for (int g = 0; g < kQK_K / 16; ++g) scales[g] = sc[g];
        LaneSums256(w, y.qs, scales, 16, lanes);
      });
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar});
}  // namespace scalar

}  // namespace edgellm::quant::q3k
