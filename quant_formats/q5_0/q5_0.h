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

#include "quant_formats/common/block32.h"

namespace edgellm::quant {

struct BlockQ5_0 {
  uint16_t d;      // fp16 scale
  uint8_t qh[4];   // bit 4 of each code, weight j at bit j (little-endian uint32)
  uint8_t qs[16];  // low 4 bits of the codes of weights j (low nibble) and j + 16 (high nibble)
};
static_assert(sizeof(BlockQ5_0) == 22, "Q5_0 block is 22 bytes");

namespace q5_0 {

inline constexpr int kBlockSize = 32;

// The kernels (common/block32.h): ToFloat and FromFloatRef bit-exact with ggml's
// dequantize_row_q5_0 and quantize_row_q5_0_ref, VecDot against Q8_0 in ggml's x86 order.
using Kernels = block32::Kernels<BlockQ5_0>;
inline constexpr auto* ToFloat = &Kernels::ToFloat;
inline constexpr auto* FromFloatRef = &Kernels::FromFloatRef;

}  // namespace q5_0
}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_Q5_0_Q5_0_H_
