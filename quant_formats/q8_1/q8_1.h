// q8_1: 8-bit quants with an fp16 scale and an fp16 scaled sum per 32 values (ggml
// GGML_TYPE_Q8_1, GGUF type 9).
//
// Layout (ggml-common.h block_q8_1, here BlockQ8_1 in common/q8_blocks.h), 36 bytes per block of
// 32 values: fp16 scale d, fp16 s = fp16(d * sum(q)), then 32 int8 quants q. Value = d * q. Rows
// hold n values, n a multiple of 32. q8_1 is the activation format of q4_1 and q5_1, whose dot
// products use s for their min term; it has no dot product of its own.
#ifndef EDGELLM_QUANT_FORMATS_Q8_1_Q8_1_H_
#define EDGELLM_QUANT_FORMATS_Q8_1_Q8_1_H_

#include <cstdint>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::q8_1 {

// n floats -> n / 32 blocks, bit-exact with ggml's quantize_row_q8_1_ref: d = amax / 127,
// q = roundf(x / d) (ties away from zero), s = d * sum(q).
void QuantizeRowRef(const float* x, void* y, int64_t n);

// n floats -> n / 32 blocks, bit-exact with ggml's x86 CPU activation quantizer
// (quantize_row_q8_1 built with AVX2): d = amax / 127, q = round_half_even(x * (127 / amax)),
// s = d * sum(q). Can differ from QuantizeRowRef at an exact .5 tie or an ulp-sized boundary.
void QuantizeRowAct(const float* x, void* y, int64_t n);

// n / 32 blocks -> n floats: d * q (s is not needed).
void DequantizeRow(const void* x, float* y, int64_t n);

// The row loop of every quantizer: each block's quants, their sum and d from kQuantizeBlock
// (common/q8_quantize.h), then d and s stored as fp16 by kToHalf. Static: each ISA's file
// instantiates it with its own block quantizer.
template <float (*kQuantizeBlock)(const float* x, int8_t* q, int* sum), uint16_t (*kToHalf)(float)>
static void QuantizeRow(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_1*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    int sum;
    const float d = kQuantizeBlock(x + b * kQK8_0, out[b].qs, &sum);
    out[b].d = kToHalf(d);
    out[b].s = kToHalf(static_cast<float>(sum) * d);
  }
}

}  // namespace edgellm::quant::q8_1

#endif  // EDGELLM_QUANT_FORMATS_Q8_1_Q8_1_H_
