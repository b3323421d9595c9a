// Pieces shared by the k-quant formats (q2_K .. q6_K): constants and the helpers of ggml's
// reference quantizers (ggml-quants.c), reimplemented to give the same bits. Super-blocks hold
// kQK_K = 256 weights (q8_blocks.h); q4_K/q5_K split them into 8 sub-blocks of 32 whose 6-bit
// scales and mins are packed into kKScaleSize = 12 bytes (ggml-common.h: K_SCALE_SIZE).
//
// Every function here is `static inline`: each translation unit, including ones built with
// AVX-512 flags, keeps its own copy, so the linker can never hand an ISA-specific out-of-line
// copy to a scalar caller.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_K_QUANTS_H_
#define EDGELLM_QUANT_FORMATS_COMMON_K_QUANTS_H_

#include <cmath>
#include <cstdint>
#include <cstring>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant {

inline constexpr int kKScaleSize = 12;  // bytes of packed 6-bit scales+mins (q4_K, q5_K)
inline constexpr float kGroupMaxEps =
    1e-15f;  // ggml's GROUP_MAX_EPS: below this a group is all zero

// How the min term of a super-block (-dmin_x * d_y times the mins and the q8_K sums) enters
// ggml's x86 float sums of a k-quant dot product (its AVX2 code; common/lane_sums.h). Every ISA's
// kernel takes 8 (kLanes8) or 4 integer min lanes from its block sums:
enum class MinTerm {
  kNone,    // no min term (q3_K, q6_K, iq4_xs)
  kLanes8,  // lane k of the 8-lane accumulator, before the scaled sums (q2_K)
  kLanes4,  // a 4-lane accumulator, summed (m0 + m2) + (m1 + m3) at the end (q4_K)
  kSum,     // the sum of the 4 lanes into one running float (q5_K)
};

// The first of x[0..n) of largest magnitude, with its sign (ggml's strict `fabsf(x) > amax`
// scan); *amax gets its magnitude, 0 when all are zero.
static inline float SignedAbsMax(const float* x, int n, float* amax) {
  float max = 0;
  *amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > *amax) {
      *amax = ax;
      max = x[i];
    }
  }
  return max;
}

// Round to nearest, ties to even, for |f| <= 2^22 - 1 (ggml's nearest_int): adding 1.5 * 2^23
// leaves the rounded integer in the low mantissa bits.
static inline int NearestInt(float f) {
  const float v = f + 12582912.f;
  int32_t i;
  std::memcpy(&i, &v, sizeof i);
  return (i & 0x007fffff) - 0x00400000;
}

// Fits x[i] ~ scale * L[i] - min with L[i] in [0, nmax] by a weighted least-squares search over
// nstep + 1 candidate inverse scales (ggml's make_qkx2_quants). Returns the scale, stores the
// (non-negative) min in *the_min and the levels in L; Laux is scratch of n bytes. The order of
// every float operation follows ggml so that the chosen levels are the same.
static inline float MakeQkx2Quants(int n, int nmax, const float* x, const float* weights,
                                   uint8_t* L, float* the_min, uint8_t* Laux, float rmin,
                                   float rdelta, int nstep, bool use_mad) {
  float min = x[0];
  float max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    *the_min = -min;
    return 0.f;
  }
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    const int l = NearestInt(iscale * (x[i] - min));
    L[i] = static_cast<uint8_t>(l < 0 ? 0 : (l > nmax ? nmax : l));
    float diff = scale * L[i] + min - x[i];
    diff = use_mad ? std::fabs(diff) : diff * diff;
    best_error += weights[i] * diff;
  }
  if (nstep < 1) {
    *the_min = -min;
    return scale;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      int l = NearestInt(iscale * (x[i] - min));
      l = l < 0 ? 0 : (l > nmax ? nmax : l);
      Laux[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      sum_l += w * l;
      sum_l2 += w * l * l;
      sum_xl += w * l * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        float diff = this_scale * Laux[i] + this_min - x[i];
        diff = use_mad ? std::fabs(diff) : diff * diff;
        cur_error += weights[i] * diff;
      }
      if (cur_error < best_error) {
        for (int i = 0; i < n; ++i) L[i] = Laux[i];
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

// Packed 6-bit scale/min layout of q4_K and q5_K (ggml's get_scale_min_k4): sub-blocks 0..3 keep
// scale and min in the low 6 bits of bytes j and j + 4; sub-blocks 4..7 keep their low 4 bits in
// byte j + 4 (scale low nibble, min high nibble) and their top 2 bits in the top bits of bytes
// j - 4 (scale) and j (min).
static inline void GetScaleMinK4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4);
  }
}

// Inverse of GetScaleMinK4 for sub-block j, scale ls and min lm (both < 64). Sub-blocks must be
// stored in order 0..7: entries 4..7 OR their top bits into bytes written by entries 0..3.
static inline void PutScaleMinK4(int j, uint8_t ls, uint8_t lm, uint8_t* q) {
  if (j < 4) {
    q[j] = ls;
    q[j + 4] = lm;
  } else {
    q[j + 4] = static_cast<uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
    q[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
    q[j - 0] |= static_cast<uint8_t>((lm >> 4) << 6);
  }
}

// All 8 scales then all 8 mins of a packed 12-byte field: out[0..7] = scales, out[8..15] = mins
// (the SIMD kernels do the same in registers: scale_min_k4_x86.h).
static inline void UnpackScalesMinsK4(const uint8_t* packed, uint8_t out[16]) {
  constexpr uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  uint32_t w[3];
  std::memcpy(w, packed, sizeof w);
  const uint32_t u[4] = {
      w[0] & kLow6,                                          // scales 0..3
      (w[2] & kLow4) | (((w[0] >> 6) & kLow2) << 4),         // scales 4..7
      w[1] & kLow6,                                          // mins 0..3
      ((w[2] >> 4) & kLow4) | (((w[1] >> 6) & kLow2) << 4),  // mins 4..7
  };
  std::memcpy(out, u, sizeof u);
}

}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_COMMON_K_QUANTS_H_
