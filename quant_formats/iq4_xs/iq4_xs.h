// iq4_xs: ggml's GGML_TYPE_IQ4_XS (GGUF type 23), non-linear 4-bit weights in super-blocks of 256.
//
// Layout (ggml-common.h block_iq4_xs, 136 bytes): 8 sub-blocks of 32 weights, each with a 6-bit
// signed scale (stored + 32), under one fp16 super-block scale d. Weight 32k + j of the block is
//     d * (ls_k - 32) * kValuesIq4Nl[code]        (common/iq4_values.h)
// where ls_k = (scales_l[k / 2] >> 4(k % 2) & 15) | (scales_h >> 2k & 3) << 4, and the code of
// weight j < 16 is qs[16k + j] & 15, of weight j + 16 is qs[16k + j] >> 4.
// vec_dot_type is q8_K (quant_formats/common/q8_blocks.h).
#ifndef EDGELLM_QUANT_FORMATS_IQ4_XS_IQ4_XS_H_
#define EDGELLM_QUANT_FORMATS_IQ4_XS_IQ4_XS_H_

#include <cstdint>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::iq4xs {

struct BlockIQ4XS {
  uint16_t d;                    // fp16 super-block scale
  uint16_t scales_h;             // high 2 bits of the 8 sub-block scales
  uint8_t scales_l[kQK_K / 64];  // low 4 bits of the 8 sub-block scales
  uint8_t qs[kQK_K / 2];         // 4-bit codes
};
static_assert(sizeof(BlockIQ4XS) == 136, "iq4_xs block is 136 bytes");

// Scale of sub-block k as stored minus 32, in [-32, 31]. static: see common/k_quants.h.
static inline int SubScale(const BlockIQ4XS& b, int k) {
  const int ls =
      ((b.scales_l[k / 2] >> (4 * (k % 2))) & 0xF) | (((b.scales_h >> (2 * k)) & 3) << 4);
  return ls - 32;
}

// n is a multiple of 256 in all of these; x/y hold n / 256 blocks.
void ToFloat(const void* x, float* y, int64_t n);       // ggml dequantize_row_iq4_xs
void FromFloatRef(const float* x, void* y, int64_t n);  // ggml quantize_row_iq4_xs_ref
// *s = dot(x: n weights as iq4_xs, y: n activations as q8_K), summed as ggml's x86 build does
// (quant_formats/common/lane_sums.h): per super-block, lane l of one 8-lane fp32 accumulator +=
// (d_y * d_x) * LaneSums256 of the code book levels with the sub-block scales, one FMA;
// HalvingSum8 at the end.
// Every kernel (scalar, AVX2, AVX-512) gives these bits; ggml uses the same sums for 2+
// activation rows (no GEMM for this type).
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

}  // namespace edgellm::quant::iq4xs

#endif  // EDGELLM_QUANT_FORMATS_IQ4_XS_IQ4_XS_H_
