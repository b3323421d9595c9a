// Q4_1 weights: ggml's GGML_TYPE_Q4_1 (GGUF type id 3), layout `block_q4_1` of ggml-common.h.
//
// A block holds 32 consecutive weights of a row in 20 bytes: an fp16 scale d, an fp16 offset m,
// then 16 bytes of 4-bit codes q in [0, 15]; byte j holds weight j in its low nibble and weight
// j + 16 in its high nibble. Weight = d * q + m. The dot product pairs a Q4_1 row with
// activations quantized to Q8_1 (BlockQ8_1), whose per-block s = d * sum(codes) supplies the
// m-term: dot = sum over blocks of d_x * d_y * sum(q * a) + m_x * s_y.
//
// All functions: n counts weights and is a multiple of 32; x / y point to n / 32 blocks (or n
// floats), s to one float.
#ifndef EDGELLM_QUANT_FORMATS_Q4_1_Q4_1_H_
#define EDGELLM_QUANT_FORMATS_Q4_1_Q4_1_H_

#include <cstdint>

#include "quant_formats/common/block32.h"

namespace edgellm::quant {

struct BlockQ4_1 {
  uint16_t d;      // fp16 scale
  uint16_t m;      // fp16 offset (the block minimum)
  uint8_t qs[16];  // codes of weights j (low nibble) and j + 16 (high nibble)
};
static_assert(sizeof(BlockQ4_1) == 20, "Q4_1 block is 20 bytes");

namespace q4_1 {

inline constexpr int kBlockSize = 32;

// The kernels (common/block32.h): ToFloat and FromFloatRef bit-exact with ggml's
// dequantize_row_q4_1 and quantize_row_q4_1_ref, VecDot against Q8_1 in ggml's x86 order.
using Kernels = block32::Kernels<BlockQ4_1>;
inline constexpr auto* ToFloat = &Kernels::ToFloat;
inline constexpr auto* FromFloatRef = &Kernels::FromFloatRef;

}  // namespace q4_1
}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_Q4_1_Q4_1_H_
