// Scalar pieces shared by the reference kernels of the 256-weight super-block formats (q2_K ..
// q6_K, iq4_xs; their <format>_scalar.cc): ggml's x86 float sums of a dot product, the
// requantization of weights against stored scales, the 2-bit packing of q2_K / q3_K, and the
// quantizer, dequantizer and dot product of the formats with packed 6-bit scales and mins (q4_K,
// q5_K; layout in k_quants.h).
//
// For scalar translation units (built with -ffp-contract=off, no ISA flags); everything here is a
// template or lives in an anonymous namespace, so no copy is shared across libraries.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_KQUANT_SCALAR_H_
#define EDGELLM_QUANT_FORMATS_COMMON_KQUANT_SCALAR_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "quant_formats/common/fp16.h"
#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant {
namespace {

// *s = dot(x, y) of n values, x a row of Block, y of q8_K, in ggml's x86 order (lane_sums.h):
// block_sums(x[i], y[i], lanes, mins) gives the block's 8 integer lanes and, unless kMin is
// kNone, its integer min lanes (8 for kLanes8, else 4); then per block one FMA per lane with
// d_y * d_x (and -d_y * dmin_x for the mins, as kMin says), HalvingSum8 at the end.
template <MinTerm kMin, class Block, class BlockSums>
void SuperBlockDot(int64_t n, float* s, const void* vx, const void* vy, BlockSums block_sums) {
  const auto* x = static_cast<const Block*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  float acc[8] = {};    // ggml's 8-lane accumulator
  float acc_m[4] = {};  // its min accumulator (kLanes4; kSum in acc_m[0])
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int32_t lanes[8];
    int32_t mins[8];
    block_sums(x[i], y[i], lanes, mins);
    if constexpr (kMin != MinTerm::kNone) {
      const float dmin = -y[i].d * Fp16ToFp32(x[i].dmin);
      if constexpr (kMin == MinTerm::kLanes8) {
        for (int k = 0; k < 8; ++k) acc[k] = std::fma(dmin, static_cast<float>(mins[k]), acc[k]);
      } else if constexpr (kMin == MinTerm::kLanes4) {
        for (int k = 0; k < 4; ++k) {
          acc_m[k] = std::fma(dmin, static_cast<float>(mins[k]), acc_m[k]);
        }
      } else {
        const int32_t sum = mins[0] + mins[1] + mins[2] + mins[3];
        acc_m[0] = std::fma(dmin, static_cast<float>(sum), acc_m[0]);
      }
    }
    const float d = y[i].d * Fp16ToFp32(x[i].d);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(lanes[l]), acc[l]);
  }
  float sum = HalvingSum8(acc);
  if constexpr (kMin == MinTerm::kLanes4) sum += (acc_m[0] + acc_m[2]) + (acc_m[1] + acc_m[3]);
  if constexpr (kMin == MinTerm::kSum) sum += acc_m[0];
  *s = sum;
}

// Levels of n weights against a stored scale d and min dm (q2_K, q4_K, q5_K):
// L[i] = clamp(round((x[i] + dm) / d), 0, nmax).
inline void RequantizeWithMin(const float* x, int n, float d, float dm, int nmax, uint8_t* L) {
  for (int i = 0; i < n; ++i) {
    const int l = NearestInt((x[i] + dm) / d);
    L[i] = static_cast<uint8_t>(std::max(0, std::min(nmax, l)));
  }
}

// Levels of the 16 groups of 16 weights of a super-block against the stored scales d * sc[j] (q3_K,
// q6_K): L = clamp(round(x / (d * sc[j])), -nmax, nmax - 1) + nmax; a group of scale 0 keeps its L.
inline void RequantizeGroups16(const float* x, float d, const int8_t sc[16], int nmax, int8_t* L) {
  for (int j = 0; j < kQK_K / 16; ++j) {
    const float dj = d * sc[j];
    if (dj == 0) continue;
    for (int i = 16 * j; i < 16 * j + 16; ++i) {
      const int l = NearestInt(x[i] / dj);
      L[i] = static_cast<int8_t>(std::max(-nmax, std::min(nmax - 1, l)) + nmax);
    }
  }
}

// Sums over x[0..n) of w x l and of w l^2 in ggml's order, w = x^2 and l = clamp(round(iscale *
// x), -nmax, nmax - 1) (make_q3_quants, make_qx_quants); L[i] = l + offset where L is given.
inline void FitSymmetric(int n, int nmax, const float* x, float iscale, int8_t* L, int offset,
                         float* sumlx, float* suml2) {
  *sumlx = 0;
  *suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = std::max(-nmax, std::min(nmax - 1, NearestInt(iscale * x[i])));
    if (L != nullptr) L[i] = static_cast<int8_t>(l + offset);
    const float w = x[i] * x[i];
    *sumlx += w * x[i] * l;
    *suml2 += w * l * l;
  }
}

// The first fit of make_q3_quants / make_qx_quants: *max the first of x of largest magnitude,
// then FitSymmetric with iscale = -nmax / *max. False (L all 0) for a group below kGroupMaxEps.
inline bool StartSymmetricFit(int n, int nmax, const float* x, int8_t* L, int offset, float* max,
                              float* sumlx, float* suml2) {
  float amax;
  *max = SignedAbsMax(x, n, &amax);
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, n);
    return false;
  }
  FitSymmetric(n, nmax, x, -nmax / *max, L, offset, sumlx, suml2);
  return true;
}

// The first pass of ggml's quantize_row_q3_K_ref / quantize_row_q6_K_ref over a super-block:
// make(16, nmax, x + 16 j, L + 16 j) gives the scale and levels of each group of 16 weights.
struct GroupFit16 {
  int8_t L[kQK_K];           // the levels, group j at 16 j
  float scales[kQK_K / 16];  // the scales
  float max_scale;           // the first scale of largest magnitude, with its sign
  float amax;                // its magnitude
};
template <class Make>
GroupFit16 FitGroups16(const float* x, int nmax, Make make) {
  GroupFit16 fit;
  for (int j = 0; j < kQK_K / 16; ++j) fit.scales[j] = make(16, nmax, x + 16 * j, fit.L + 16 * j);
  fit.max_scale = SignedAbsMax(fit.scales, kQK_K / 16, &fit.amax);
  return fit;
}

// quantize_block(x + 256 i, y[i]) for the n / 256 blocks of a row (ggml's quantize_row_*_ref).
template <class Block, class QuantizeBlock>
void QuantizeBlocks(const float* x, void* vy, int64_t n, QuantizeBlock quantize_block) {
  auto* y = static_cast<Block*>(vy);
  for (int64_t i = 0; i < n / kQK_K; ++i) quantize_block(x + kQK_K * i, y[i]);
}

// dequantize_block(x[i], y + 256 i) for the n / 256 blocks of a row (ggml's dequantize_row_*).
template <class Block, class DequantizeBlock>
void DequantizeBlocks(const void* vx, float* y, int64_t n, DequantizeBlock dequantize_block) {
  const auto* x = static_cast<const Block*>(vx);
  for (int64_t i = 0; i < n / kQK_K; ++i) dequantize_block(x[i], y + kQK_K * i);
}

// ggml's search over candidate scales (make_qx_quants, quantize_row_iq4_nl_impl): from `scale`
// with best = scale * sumlx, candidate k in [-tries, tries] (0 too unless skip_zero) with sums
// fit(k, &sumlx, &suml2) wins when suml2 > 0 and sumlx^2 > best * suml2; then chosen(k) is called
// and scale = sumlx / suml2. Returns the last winner's scale.
template <class Fit, class Chosen>
float RefineScale(float scale, float sumlx, int tries, bool skip_zero, Fit fit, Chosen chosen) {
  float best = scale * sumlx;
  for (int k = -tries; k <= tries; ++k) {
    if (skip_zero && k == 0) continue;
    float sumlx_k, suml2_k;
    fit(k, &sumlx_k, &suml2_k);
    if (suml2_k > 0 && sumlx_k * sumlx_k > best * suml2_k) {
      chosen(k);
      scale = sumlx_k / suml2_k;
      best = scale * sumlx_k;
    }
  }
  return scale;
}

// Bits 2j..2j+1 of qs[32h + l]: the 2-bit field of weight v = 128h + 32j + l (q2_K, q3_K).
inline int Low2Bits(const uint8_t* qs, int v) {
  return (qs[32 * (v / 128) + v % 32] >> (2 * (v / 32 % 4))) & 3;
}

// The 2-bit levels L[0..256) into qs[64] (q2_K, q3_K): weight 128h + 32j + l at bits 2j..2j+1 of
// qs[32h + l].
template <class Level>
void PackLow2Bits(const Level* L, uint8_t* qs) {
  for (int j = 0; j < kQK_K; j += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                           (L[j + l + 96] << 6));
    }
  }
}

// --- q4_K and q5_K: 8 sub-blocks of 32 weights, 6-bit scales and mins (k_quants.h) ----------

// ggml's quantize_row_q4_K_ref / quantize_row_q5_K_ref up to the packing of the levels, for the
// super-block x: the scales and mins of make_qkx2_quants (levels 0..nmax, candidates rmin + 0.1 k,
// k <= nstep) as 6-bit values under fp16 d and dmin, then the levels L against them as stored.
inline void QuantizeScaleMinK4(const float* x, int nmax, float rmin, int nstep,
                               uint8_t scales_out[kKScaleSize], uint16_t* d_out, uint16_t* dmin_out,
                               uint8_t L[kQK_K]) {
  uint8_t Laux[32];
  float weights[32];
  float mins[kQK_K / 32];
  float scales[kQK_K / 32];
  // Mins are subtracted, so scales and mins are both non-negative.
  float max_scale = 0;
  float max_min = 0;
  for (int j = 0; j < kQK_K / 32; ++j) {
    const float* xj = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += xj[l] * xj[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xj[l]);
    scales[j] =
        MakeQkx2Quants(32, nmax, xj, weights, L + 32 * j, &mins[j], Laux, rmin, 0.1f, nstep, false);
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
    PutScaleMinK4(j, ls, lm, scales_out);
  }
  *d_out = Fp32ToFp16(max_scale / 63.f);
  *dmin_out = Fp32ToFp16(max_min / 63.f);

  // Requantize against the rounded 6-bit scales and fp16 super-scales actually stored.
  for (int j = 0; j < kQK_K / 32; ++j) {
    uint8_t sc, m;
    GetScaleMinK4(j, scales_out, &sc, &m);
    const float d = Fp16ToFp32(*d_out) * sc;
    if (d == 0) continue;  // keep the levels MakeQkx2Quants chose, as ggml does
    RequantizeWithMin(x + 32 * j, 32, d, Fp16ToFp32(*dmin_out) * m, nmax, L + 32 * j);
  }
}

// ggml's dequantize_row_q4_K / dequantize_row_q5_K: weight l of sub-block j of block b is
// d * sc[j] * level(b, j, l) - dmin * m[j].
template <class Block, class Level>
void DequantizeScaleMinK4(const void* vx, float* y, int64_t n, Level level) {
  const auto* x = static_cast<const Block*>(vx);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    const float min = Fp16ToFp32(x[i].dmin);
    for (int j = 0; j < kQK_K / 32; ++j) {
      uint8_t sc, m;
      GetScaleMinK4(j, x[i].scales, &sc, &m);
      const float dj = d * sc, mj = min * m;
      for (int l = 0; l < 32; ++l) *y++ = dj * level(x[i], j, l) - mj;
    }
  }
}

// The dot product of q4_K / q5_K (kMin: how each sums its min term) with q8_K: LaneSums256 of
// level(b, j, l) with the sub-block scales, min lane k the mins of sub-blocks 2k, 2k + 1 times
// their activation sums (two q8_K sums each, added in int16 as ggml does).
template <MinTerm kMin, class Block, class Level>
void VecDotScaleMinK4(int64_t n, float* s, const void* vx, const void* vy, Level level) {
  SuperBlockDot<kMin, Block>(
      n, s, vx, vy, [&](const Block& b, const BlockQ8_K& y, int32_t* lanes, int32_t* mins) {
        uint8_t sm[16];  // scales then mins
        UnpackScalesMinsK4(b.scales, sm);
        int w[kQK_K], scales[8];
        for (int j = 0; j < kQK_K / 32; ++j) {
          scales[j] = sm[j];
          for (int l = 0; l < 32; ++l) w[32 * j + l] = level(b, j, l);
        }
        LaneSums256(w, y.qs, scales, 32, lanes);
        for (int k = 0; k < 4; ++k) {
          mins[k] = 0;
          for (int j = 2 * k; j < 2 * k + 2; ++j) {
            mins[k] += sm[8 + j] * static_cast<int16_t>(y.bsums[2 * j] + y.bsums[2 * j + 1]);
          }
        }
      });
}

}  // namespace
}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_COMMON_KQUANT_SCALAR_H_
