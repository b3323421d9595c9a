// q8_0: 8-bit quants with one fp16 scale per 32 values (ggml GGML_TYPE_Q8_0, GGUF type 8).
//
// Layout (ggml-common.h block_q8_0, here BlockQ8_0 in common/q8_blocks.h), 34 bytes per block of
// 32 values: fp16 scale d, then 32 int8 quants q. Value = d * q. Rows hold n values, n a multiple
// of 32. q8_0 is its own vec_dot_type, and the activation format of q4_0, q5_0 and iq4_nl.
#ifndef EDGELLM_QUANT_FORMATS_Q8_0_Q8_0_H_
#define EDGELLM_QUANT_FORMATS_Q8_0_Q8_0_H_

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::q8_0 {

static_assert(sizeof(BlockQ8_0) == 34, "q8_0 block is 34 bytes");

// n floats -> n / 32 blocks, bit-exact with ggml's quantize_row_q8_0_ref: d = amax / 127,
// q = roundf(x / d) (ties away from zero).
void QuantizeRowRef(const float* x, void* y, int64_t n);

// n floats -> n / 32 blocks, bit-exact with ggml's x86 CPU activation quantizer
// (quantize_row_q8_0 built with AVX2): d = amax / 127, q = round_half_even(x * (127 / amax)).
// Can differ from QuantizeRowRef in a quant at an exact .5 tie or an ulp-sized boundary case.
void QuantizeRowAct(const float* x, void* y, int64_t n);

// n / 32 blocks -> n floats: d * q (ggml's dequantize_row_q8_0).
void DequantizeRow(const void* x, float* y, int64_t n);

// *s = sum over blocks b of sum_j(qx[j] * qy[j]) * (dx * dy): x and y are n / 32 blocks each
// (ggml_vec_dot_q8_0_q8_0), summed as ggml's x86 build does (its AVX2 code, which its AVX-512
// builds run too, and llamafile's tinyBLAS for 2+ activation rows): one 8-lane fp32 accumulator,
// lane l += (dx * dy) * (integer sum of products 4l..4l+3 of the block), one FMA per block, then
// HalvingSum8 (quant_formats/common/lane_sums.h). Every ISA gives these bits.
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

}  // namespace edgellm::quant::q8_0

#endif  // EDGELLM_QUANT_FORMATS_Q8_0_Q8_0_H_
