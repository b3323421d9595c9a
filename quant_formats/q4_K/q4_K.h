// q4_K: 4-bit k-quant with per-sub-block scales and mins (ggml GGML_TYPE_Q4_K, GGUF type 12).
//
// Layout (ggml-common.h block_q4_K), 144 bytes per super-block of 256 weights:
//   d, dmin   fp16 super-block scales for the sub-block scales and mins
//   scales    12 bytes: eight 6-bit scales sc[j] and eight 6-bit mins m[j], one per sub-block of
//             32 weights (packing in common/k_quants.h GetScaleMinK4)
//   qs        128 bytes of 4-bit quants q in [0, 15]: bytes 32c..32c+31 hold sub-block 2c in
//             their low nibbles and sub-block 2c+1 in their high nibbles
// Weight l of sub-block j: d * sc[j] * q - dmin * m[j].
// Rows hold n weights, n a multiple of 256. vec_dot_type: q8_K.
#ifndef EDGELLM_QUANT_FORMATS_Q4_K_Q4_K_H_
#define EDGELLM_QUANT_FORMATS_Q4_K_Q4_K_H_

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::q4_K {

struct BlockQ4_K {
  uint16_t d;     // fp16
  uint16_t dmin;  // fp16
  uint8_t scales[kKScaleSize];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144, "Q4_K block is 144 bytes");

// n floats -> n / 256 blocks, bit-exact with ggml's quantize_row_q4_K_ref (what GGUF producers
// write without an importance matrix).
void QuantizeRowRef(const float* x, void* y, int64_t n);

// n / 256 blocks -> n floats, bit-exact with ggml's dequantize_row_q4_K.
void DequantizeRow(const void* x, float* y, int64_t n);

// *s = dot(x, y) of n values: x a row of q4_K blocks, y a row of q8_K blocks (BlockQ8_K).
// Integer sums per super-block, scaled once by d and dmin (ggml_vec_dot_q4_K_q8_K), summed as
// ggml's x86 build does (its AVX2 code, which its AVX-512 builds run too; see
// quant_formats/common/lane_sums.h): lane l of an 8-lane fp32 accumulator += (d_y * d_x) *
// LaneSums256 with the sub-block scales, and lane k of a 4-lane one += -(d_y * dmin_x) * (mins of
// sub-blocks 2k, 2k+1 times their activation sums), one FMA each per super-block; the result is
// HalvingSum8 of the first plus (m0 + m2) + (m1 + m3) of the second.
// Every kernel (scalar, AVX2, AVX-512) gives these bits; ggml uses the same sums for 2+
// activation rows (no GEMM for this type).
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

}  // namespace edgellm::quant::q4_K

#endif  // EDGELLM_QUANT_FORMATS_Q4_K_Q4_K_H_
