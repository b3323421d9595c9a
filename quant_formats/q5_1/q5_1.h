// Q5_1 weights: ggml's GGML_TYPE_Q5_1 (GGUF type id 7), layout `block_q5_1` of ggml-common.h.
//
// A block holds 32 consecutive weights of a row in 24 bytes: an fp16 scale d, an fp16 offset m,
// 4 bytes qh (a little-endian uint32 whose bit j is bit 4 of weight j's code), then 16 bytes with
// the low 4 bits of the codes; byte j holds weight j in its low nibble and weight j + 16 in its
// high nibble. Codes q are in [0, 31]; weight = d * q + m. The dot product pairs a Q5_1 row with
// activations quantized to Q8_1 (BlockQ8_1), whose per-block s = d * sum(codes) supplies the
// m-term: dot = sum over blocks of d_x * d_y * sum(q * a) + m_x * s_y.
//
// All functions: n counts weights and is a multiple of 32; x / y point to n / 32 blocks (or n
// floats), s to one float.
#ifndef EDGELLM_QUANT_FORMATS_Q5_1_Q5_1_H_
#define EDGELLM_QUANT_FORMATS_Q5_1_Q5_1_H_

#include <cstdint>

#include "quant_formats/common/block32.h"

namespace edgellm::quant {

struct BlockQ5_1 {
  uint16_t d;      // fp16 scale
  uint16_t m;      // fp16 offset (the block minimum)
  uint8_t qh[4];   // bit 4 of each code, weight j at bit j (little-endian uint32)
  uint8_t qs[16];  // low 4 bits of the codes of weights j (low nibble) and j + 16 (high nibble)
};
static_assert(sizeof(BlockQ5_1) == 24, "Q5_1 block is 24 bytes");

namespace q5_1 {

inline constexpr int kBlockSize = 32;

// The kernels (common/block32.h): ToFloat and FromFloatRef bit-exact with ggml's
// dequantize_row_q5_1 and quantize_row_q5_1_ref, VecDot against Q8_1 in ggml's x86 order.
using Kernels = block32::Kernels<BlockQ5_1>;
inline constexpr auto* ToFloat = &Kernels::ToFloat;
inline constexpr auto* FromFloatRef = &Kernels::FromFloatRef;

}  // namespace q5_1
}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_Q5_1_Q5_1_H_
