// q5_K: 5-bit k-quant with per-sub-block scales and mins (ggml GGML_TYPE_Q5_K, GGUF type 13).
//
// Layout (ggml-common.h block_q5_K), 176 bytes per super-block of 256 weights:
//   d, dmin   fp16 super-block scales for the sub-block scales and mins
//   scales    12 bytes: eight 6-bit scales sc[j] and eight 6-bit mins m[j], one per sub-block of
//             32 weights (packing in common/k_quants.h GetScaleMinK4), as in q4_K
//   qh        32 bytes: bit j of qh[l] is the high (fifth) bit of weight l of sub-block j
//   qs        128 bytes of low 4 bits: bytes 32c..32c+31 hold sub-block 2c in their low
//             nibbles and sub-block 2c+1 in their high nibbles
// Weight l of sub-block j, q = low | 16 * high in [0, 31]: d * sc[j] * q - dmin * m[j].
// Rows hold n weights, n a multiple of 256. vec_dot_type: q8_K.
#ifndef EDGELLM_QUANT_FORMATS_Q5_K_Q5_K_H_
#define EDGELLM_QUANT_FORMATS_Q5_K_Q5_K_H_

#include <cstdint>

#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::q5_K {

struct BlockQ5_K {
  uint16_t d;     // fp16
  uint16_t dmin;  // fp16
  uint8_t scales[kKScaleSize];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176, "Q5_K block is 176 bytes");

// n floats -> n / 256 blocks, bit-exact with ggml's quantize_row_q5_K_ref (what GGUF producers
// write without an importance matrix).
void QuantizeRowRef(const float* x, void* y, int64_t n);

// n / 256 blocks -> n floats, bit-exact with ggml's dequantize_row_q5_K.
void DequantizeRow(const void* x, float* y, int64_t n);

// *s = dot(x, y) of n values: x a row of q5_K blocks, y a row of q8_K blocks (BlockQ8_K).
// Integer sums per super-block, scaled once by d and dmin (ggml_vec_dot_q5_K_q8_K), summed as
// ggml's x86 build does (its AVX2 code, which its AVX-512 builds run too; see
// quant_formats/common/lane_sums.h): lane l of an 8-lane fp32 accumulator += (d_y * d_x) *
// LaneSums256 with the sub-block scales, one FMA per super-block, and a float += -(d_y * dmin_x)
// * (sum of mins times activation sums), one FMA; the result is HalvingSum8 plus that float.
// Every kernel (scalar, AVX2, AVX-512) gives these bits; ggml uses the same sums for 2+
// activation rows (no GEMM for this type).
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

}  // namespace edgellm::quant::q5_K

#endif  // EDGELLM_QUANT_FORMATS_Q5_K_Q5_K_H_
