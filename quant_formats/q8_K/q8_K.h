// q8_K: 8-bit activation format of the k-quants (ggml GGML_TYPE_Q8_K, GGUF type 15).
//
// Layout (ggml-common.h block_q8_K, here BlockQ8_K in common/q8_blocks.h), 292 bytes per
// super-block of 256 values: fp32 scale d, 256 int8 quants q, 16 int16 bsums (sum of each run of
// 16 quants, used by the k-quant dot products for their min terms). Value = d * q.
// Rows hold n values, n a multiple of 256. It is the vec_dot_type of every k-quant; it has no
// dot product of its own.
#ifndef EDGELLM_QUANT_FORMATS_Q8_K_Q8_K_H_
#define EDGELLM_QUANT_FORMATS_Q8_K_Q8_K_H_

#include <cstdint>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::q8_K {

// n floats -> n / 256 blocks; bit-exact with ggml's quantize_row_q8_K_ref (which is also what
// ggml's x86 CPU backend uses for activations): d = max / -127 with max the first value of largest
// magnitude, q = min(127, round_half_even(x * -127 / max)). An all-zero block gets d = 0, q = 0,
// bsums = 0.
void QuantizeRowRef(const float* x, void* y, int64_t n);

// n / 256 blocks -> n floats: d * q (ggml's dequantize_row_q8_K).
void DequantizeRow(const void* x, float* y, int64_t n);

}  // namespace edgellm::quant::q8_K

#endif  // EDGELLM_QUANT_FORMATS_Q8_K_Q8_K_H_
