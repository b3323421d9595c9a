// Fixed-order fp32 reductions of ggml's x86 AVX-512 kernels, for kernels of any ISA that must
// give the same bits: a sum of lanes depends on the order of its additions, so every ISA adds in
// the order the AVX-512 instructions do.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_LANE_SUMS_H_
#define EDGELLM_QUANT_FORMATS_COMMON_LANE_SUMS_H_

#include <cmath>
#include <cstdint>

namespace edgellm::quant {

// Every function here is `static` (see fp16.h): plugins compile it into TUs of several ISAs.

// ggml's x86 dot products of 32-value blocks (q4_0, q4_1, q5_0, q5_1, q8_0, iq4_nl; its AVX2 code,
// which its AVX-512 builds run too, and tinyBLAS's Q0 GEMM) keep 8-lane fp32 accumulators: per
// block, lane l += d * (integer sum of the products of values 4l..4l+3), one FMA. w holds the
// block's 32 weight values as integers, a its 32 activation quants.
static inline void AccumulateBlock32(const int* w, const int8_t* a, float d, float* acc) {
  for (int l = 0; l < 8; ++l) {
    int32_t sum = 0;
    for (int k = 4 * l; k < 4 * l + 4; ++k) sum += w[k] * a[k];
    acc[l] = std::fma(d, static_cast<float>(sum), acc[l]);
  }
}

// The integer part of ggml's x86 dot products of 256-value super-blocks (q2_K .. q6_K, iq4_xs; its
// AVX2 code): lane l of 8 sums w[v] * a[v] * scales[v / group] over the values v with
// (v % 32) / 4 == l, the int32 lanes of maddubs + madd over 32-byte loads of the activations.
static inline void LaneSums256(const int* w, const int8_t* a, const int* scales, int group,
                               int32_t* lanes) {
  for (int l = 0; l < 8; ++l) lanes[l] = 0;
  for (int v = 0; v < 256; ++v) lanes[(v % 32) / 4] += scales[v / group] * w[v] * a[v];
}

// Sum of 8 lanes in ggml's hsum_float_8 order: lane l + lane l+4, then l+2, then l+1 (the
// accumulators of ggml's AVX2-style quantized dot products, which its AVX-512 builds use too).
static inline float HalvingSum8(const float* v) {
  float t[4];
  for (int l = 0; l < 4; ++l) t[l] = v[l] + v[l + 4];
  for (int l = 0; l < 2; ++l) t[l] += t[l + 2];
  return t[0] + t[1];
}

// Sum of 16 lanes in _mm512_reduce_add_ps's order: lane l + lane l+8, then l+4, l+2, l+1
// (tinyBLAS's hsum, ggml's GGML_F32x16_REDUCE).
static inline float HalvingSum16(const float* v) {
  float t[8];
  for (int l = 0; l < 8; ++l) t[l] = v[l] + v[l + 8];
  for (int l = 0; l < 4; ++l) t[l] += t[l + 4];
  for (int l = 0; l < 2; ++l) t[l] += t[l + 2];
  return t[0] + t[1];
}

// Sum of ggml_vec_dot_f32's four 16-lane accumulators, held as 64 lanes (accumulator j lane l at
// 16 * j + l): accumulators 0 + 2 and 1 + 3, then their sum, then HalvingSum16. Overwrites acc.
static inline float ReduceFourAccumulators(float* acc) {
  for (int l = 0; l < 32; ++l) acc[l] += acc[l + 32];
  for (int l = 0; l < 16; ++l) acc[l] += acc[l + 16];
  return HalvingSum16(acc);
}

}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_COMMON_LANE_SUMS_H_
