// q6_K: ggml's GGML_TYPE_Q6_K (GGUF type 14), 6-bit weights in super-blocks of 256.
//
// Layout (ggml-common.h block_q6_K, 210 bytes): 16 sub-blocks of 16 weights, each with an int8
// scale, under one fp16 super-block scale d. Weight i of the block is
//     d * scales[i / 16] * (q_i - 32),   q_i in [0, 63]
// with the low 4 bits of q_i in `ql` and the high 2 bits in `qh`. Within each half h of 128
// weights (ql + 64h, qh + 32h), for l < 32:
//     q[l]      = ql[l]      & 15 | (qh[l] >> 0 & 3) << 4
//     q[l + 32] = ql[l + 32] & 15 | (qh[l] >> 2 & 3) << 4
//     q[l + 64] = ql[l]      >> 4 | (qh[l] >> 4 & 3) << 4
//     q[l + 96] = ql[l + 32] >> 4 | (qh[l] >> 6 & 3) << 4
// vec_dot_type is q8_K (quant_formats/common/q8_blocks.h).
#ifndef EDGELLM_QUANT_FORMATS_Q6_K_Q6_K_H_
#define EDGELLM_QUANT_FORMATS_Q6_K_Q6_K_H_

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::q6k {

struct BlockQ6K {
  uint8_t ql[kQK_K / 2];      // low 4 bits
  uint8_t qh[kQK_K / 4];      // high 2 bits
  int8_t scales[kQK_K / 16];  // sub-block scales
  uint16_t d;                 // fp16 super-block scale
};
static_assert(sizeof(BlockQ6K) == 210, "q6_K block is 210 bytes");

// n is a multiple of 256 in all of these; x/y hold n / 256 blocks.
void ToFloat(const void* x, float* y, int64_t n);       // ggml dequantize_row_q6_K
void FromFloatRef(const float* x, void* y, int64_t n);  // ggml quantize_row_q6_K_ref
// *s = dot(x: n weights as q6_K, y: n activations as q8_K), summed as ggml's x86 build does
// (quant_formats/common/lane_sums.h): per super-block, LaneSums256 of the unsigned 6-bit quants
// with the group scales, lane k minus 32 * (scales times q8_K sums of groups 2k, 2k+1), then lane
// l of one 8-lane fp32 accumulator += (d_y * d_x) * that, one FMA; HalvingSum8 at the end.
// Every kernel (scalar, AVX2, AVX-512) gives these bits; ggml uses the same sums for 2+
// activation rows (no GEMM for this type).
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

}  // namespace edgellm::quant::q6k

#endif  // EDGELLM_QUANT_FORMATS_Q6_K_Q6_K_H_
