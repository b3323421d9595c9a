// q3_K: ggml's GGML_TYPE_Q3_K (GGUF type 11), 3-bit weights in super-blocks of 256.
//
// Layout (ggml-common.h block_q3_K, 110 bytes): 16 sub-blocks of 16 weights, each with a 6-bit
// signed scale (stored + 32), under one fp16 super-block scale d. Weight i of the block is
//     d * (scale[i / 16] - 32) * (q_i - 4),   q_i in [0, 7]
// with the low 2 bits of q_i in `qs` and the high bit in `hmask`. For weight i = 128h + 32j + l
// (h < 2, j < 4, l < 32): low bits = qs[32h + l] >> 2j & 3, high bit = hmask[l] >> (4h + j) & 1.
// Scale k: low 4 bits in scales[k] (k < 8) or scales[k - 8] >> 4 (k >= 8), high 2 bits in
// scales[8 + k % 4] >> 2(k / 4).
// vec_dot_type is q8_K (quant_formats/common/q8_blocks.h).
#ifndef EDGELLM_QUANT_FORMATS_Q3_K_Q3_K_H_
#define EDGELLM_QUANT_FORMATS_Q3_K_Q3_K_H_

#include <cstdint>
#include <cstring>

#include "quant_formats/common/q8_blocks.h"
#if defined(__x86_64__) && defined(__AVX2__)
#include "quant_formats/common/x86_simd.h"
#endif

namespace edgellm::quant::q3k {

struct BlockQ3K {
  uint8_t hmask[kQK_K / 8];  // high bits
  uint8_t qs[kQK_K / 4];     // low 2 bits
  uint8_t scales[12];        // 16 packed 6-bit scales
  uint16_t d;                // fp16 super-block scale
};
static_assert(sizeof(BlockQ3K) == 110, "q3_K block is 110 bytes");

// The 16 6-bit scales of a block as stored (+ 32), one per byte in sub-block order: bytes 4w..4w+3
// of the result are word w. static: scalar and SIMD files each keep their own copy (see
// common/k_quants.h); SIMD kernels build a register from the words without a trip through memory.
static inline void UnpackScaleWords(const uint8_t packed[12], uint32_t out[4]) {
  constexpr uint32_t kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  uint32_t w[3];
  std::memcpy(w, packed, sizeof w);
  out[0] = (w[0] & kLow4) | ((w[2] & kLow2) << 4);                // scales 0..3
  out[1] = (w[1] & kLow4) | (((w[2] >> 2) & kLow2) << 4);         // scales 4..7
  out[2] = ((w[0] >> 4) & kLow4) | (((w[2] >> 4) & kLow2) << 4);  // scales 8..11
  out[3] = ((w[1] >> 4) & kLow4) | (((w[2] >> 6) & kLow2) << 4);  // scales 12..15
}

#if defined(__x86_64__) && defined(__AVX2__)
// The 16 scales in [-32, 31], in sub-block order, built in a register (for the x86 kernels).
static inline __m128i ScalesX86(const BlockQ3K& b) {
  uint32_t w[4];
  UnpackScaleWords(b.scales, w);
  const __m128i biased = _mm_setr_epi32(static_cast<int>(w[0]), static_cast<int>(w[1]),
                                        static_cast<int>(w[2]), static_cast<int>(w[3]));
  return _mm_sub_epi8(biased, _mm_set1_epi8(32));
}
#endif

// n is a multiple of 256 in all of these; x/y hold n / 256 blocks.
void ToFloat(const void* x, float* y, int64_t n);       // ggml dequantize_row_q3_K
void FromFloatRef(const float* x, void* y, int64_t n);  // ggml quantize_row_q3_K_ref
// *s = dot(x: n weights as q3_K, y: n activations as q8_K), summed as ggml's x86 build does (its
// AVX2 code, which its AVX-512 builds run too; quant_formats/common/lane_sums.h): per super-block,
// lane l of one 8-lane fp32 accumulator += (d_y * d_x) * LaneSums256 of the levels (low bits,
// minus 4 where the high bit is clear) with the group scales, one FMA; HalvingSum8 at the end.
// Every kernel (scalar, AVX2, AVX-512) gives these bits; ggml uses the same sums for 2+
// activation rows (no GEMM for this type).
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

}  // namespace edgellm::quant::q3k

#endif  // EDGELLM_QUANT_FORMATS_Q3_K_Q3_K_H_
