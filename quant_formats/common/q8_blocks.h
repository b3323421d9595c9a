// Block layouts of the 8-bit activation formats that other formats' vec_dot kernels read
// (their vec_dot_type). Layouts from ggml-common.h.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_Q8_BLOCKS_H_
#define EDGELLM_QUANT_FORMATS_COMMON_Q8_BLOCKS_H_

#include <cstdint>

namespace edgellm::quant {

inline constexpr int kQK8_0 = 32;  // weights per Q8_0 / Q8_1 block
inline constexpr int kQK_K = 256;  // weights per k-quant super-block

// Q8_0: 32 int8 with one fp16 scale d; x = d * q.
struct BlockQ8_0 {
  uint16_t d;  // fp16
  int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block is 34 bytes");

// Q8_1: as Q8_0 plus s = d * sum(q) (fp16), used by the q4_1/q5_1 dot products.
struct BlockQ8_1 {
  uint16_t d;  // fp16
  uint16_t s;  // fp16
  int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_1) == 36, "Q8_1 block is 36 bytes");

// Q8_K: 256 int8 with an fp32 scale and the sums of each group of 16 quants.
struct BlockQ8_K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};
static_assert(sizeof(BlockQ8_K) == 292, "Q8_K block is 292 bytes");

}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_COMMON_Q8_BLOCKS_H_
