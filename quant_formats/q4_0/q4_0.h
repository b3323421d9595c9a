// Q4_0 weights: ggml's GGML_TYPE_Q4_0 (GGUF type id 2), layout `block_q4_0` of ggml-common.h.
//
// A block holds 32 consecutive weights of a row in 18 bytes: an fp16 scale d, then 16 bytes of
// 4-bit codes q in [0, 15]; byte j holds weight j in its low nibble and weight j + 16 in its high
// nibble. Weight = d * (q - 8). The dot product pairs a Q4_0 row with activations quantized to
// Q8_0 (BlockQ8_0, same 32-element blocks).
//
// All functions: n counts weights and is a multiple of 32; x / y point to n / 32 blocks (or n
// floats), s to one float.
#ifndef EDGELLM_QUANT_FORMATS_Q4_0_Q4_0_H_
#define EDGELLM_QUANT_FORMATS_Q4_0_Q4_0_H_

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/block32.h"

namespace edgellm::quant {

struct BlockQ4_0 {
  uint16_t d;      // fp16 scale
  uint8_t qs[16];  // codes of weights j (low nibble) and j + 16 (high nibble)
};
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 block is 18 bytes");

namespace q4_0 {

inline constexpr int kBlockSize = 32;
using Kernels = block32::Kernels<BlockQ4_0>;  // what the functions below call

// Dequantize, bit-exact with ggml's dequantize_row_q4_0.
void ToFloat(const void* x, float* y, int64_t n);
// Quantize, bit-exact with ggml's quantize_row_q4_0_ref (what GGUF producers write).
void FromFloatRef(const float* x, void* y, int64_t n);
// *s = dot(x: Q4_0 row, y: Q8_0 row) in ggml's x86 order (block32.h Kernels::VecDot), for one
// activation row and for several (tinyBLAS's Q0 GEMM) alike. Every kernel gives these bits.
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

}  // namespace q4_0
}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_Q4_0_Q4_0_H_
