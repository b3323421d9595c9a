// q2_K: ggml's GGML_TYPE_Q2_K (GGUF type 10), 2-bit weights in super-blocks of 256.
//
// Layout (ggml-common.h block_q2_K, 84 bytes): 16 sub-blocks of 16 weights, each with a 4-bit
// scale and a 4-bit min (scales[k] = scale | min << 4), under fp16 super-block factors d and
// dmin. Weight i of the block is
//     d * (scales[i / 16] & 15) * q_i - dmin * (scales[i / 16] >> 4),   q_i in [0, 3]
// with q_i for i = 128h + 32j + l (h < 2, j < 4, l < 32) at qs[32h + l] >> 2j & 3.
// vec_dot_type is q8_K (quant_formats/common/q8_blocks.h).
#ifndef EDGELLM_QUANT_FORMATS_Q2_K_Q2_K_H_
#define EDGELLM_QUANT_FORMATS_Q2_K_Q2_K_H_

#include <cstdint>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::q2k {

struct BlockQ2K {
  uint8_t scales[kQK_K / 16];  // scale (low nibble) and min (high nibble) per sub-block
  uint8_t qs[kQK_K / 4];       // 2-bit quants
  uint16_t d;                  // fp16 factor of the scales
  uint16_t dmin;               // fp16 factor of the mins
};
static_assert(sizeof(BlockQ2K) == 84, "q2_K block is 84 bytes");

// n is a multiple of 256 in all of these; x/y hold n / 256 blocks.
void ToFloat(const void* x, float* y, int64_t n);       // ggml dequantize_row_q2_K
void FromFloatRef(const float* x, void* y, int64_t n);  // ggml quantize_row_q2_K_ref
// *s = dot(x: n weights as q2_K, y: n activations as q8_K), summed as ggml's x86 build does (its
// AVX2 code, which its AVX-512 builds run too; quant_formats/common/lane_sums.h): per super-block,
// one 8-lane fp32 accumulator gets lane k -= (d_y * dmin_x) * (mins of groups 2k, 2k+1 times
// their q8_K sums), then lane l += (d_y * d_x) * LaneSums256 with the 4-bit group scales, one FMA
// each; HalvingSum8 at the end.
// Every kernel (scalar, AVX2, AVX-512) gives these bits; ggml uses the same sums for 2+
// activation rows (no GEMM for this type).
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

}  // namespace edgellm::quant::q2k

#endif  // EDGELLM_QUANT_FORMATS_Q2_K_Q2_K_H_
