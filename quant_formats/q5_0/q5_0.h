// Q5_0 weights: ggml's GGML_TYPE_Q5_0 (GGUF type id 6), layout `block_q5_0` of ggml-common.h.
//
// A block holds 32 consecutive weights of a row in 22 bytes: an fp16 scale d, 4 bytes qh (a
// little-endian uint32 whose bit j is bit 4 of weight j's code), then 16 bytes with the low 4
// bits of the codes; byte j holds weight j in its low nibble and weight j + 16 in its high nibble.
// Codes q are in [0, 31]; weight = d * (q - 16). The dot product pairs a Q5_0 row with
// activations quantized to Q8_0 (BlockQ8_0, same 32-element blocks).
//
// All functions: n counts weights and is a multiple of 32; x / y point to n / 32 blocks (or n
// floats), s to one float.
#ifndef EDGELLM_QUANT_FORMATS_Q5_0_Q5_0_H_
#define EDGELLM_QUANT_FORMATS_Q5_0_Q5_0_H_

#include <cstdint>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant {

struct BlockQ5_0 {
  uint16_t d;      // fp16 scale
  uint8_t qh[4];   // bit 4 of each code, weight j at bit j (little-endian uint32)
  uint8_t qs[16];  // low 4 bits of the codes of weights j (low nibble) and j + 16 (high nibble)
};
static_assert(sizeof(BlockQ5_0) == 22, "Q5_0 block is 22 bytes");

namespace q5_0 {

inline constexpr int kBlockSize = 32;

// Dequantize, bit-exact with ggml's dequantize_row_q5_0.
void ToFloat(const void* x, float* y, int64_t n);
// Quantize, bit-exact with ggml's quantize_row_q5_0_ref (what GGUF producers write).
void FromFloatRef(const float* x, void* y, int64_t n);
// *s = dot(x: Q5_0 row, y: Q8_0 row), integer sums per block scaled by d_x * d_y, summed as
// ggml's x86 build does, for one activation row (its AVX2 code, which its AVX-512 builds run too)
// and for several (tinyBLAS's Q0 GEMM) alike: AccumulateBlock32 into one 8-lane accumulator per
// block, then HalvingSum8 (quant_formats/common/lane_sums.h). Every kernel gives these bits.
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

}  // namespace q5_0
}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_Q5_0_Q5_0_H_
