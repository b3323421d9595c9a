// bf16: bfloat16 values (ggml GGML_TYPE_BF16, GGUF type 30).
//
// A "block" is one bfloat16 stored as its uint16_t bit pattern (ggml_bf16_t, the top half of an
// fp32): block_size 1, 2 bytes, little-endian. Rows hold any n >= 1 values. Activations are
// converted to bf16 too (vec_dot_type bf16). fp32 -> bf16 rounds to nearest even and quietens NaN
// (ggml_compute_fp32_to_bf16).
//
// The dot products reproduce, bit for bit on every ISA, what ggml's x86 build computes on a CPU
// with AVX512_BF16, whose vdpbf16ps adds into each fp32 lane the products of a pair of bf16
// elements, the odd one first, each addition rounded once (an FMA), subnormal inputs read as
// zero and subnormal results flushed to zero:
//   - vec_dot (ggml_vec_dot_bf16): over the first n - n % 64 elements, two 16-lane accumulators,
//     elements 64k..64k+31 into the first (pair l into lane l), 64k+32..64k+63 into the second;
//     each summed by HalvingSum16 (quant_formats/common/lane_sums.h) and added in double, then the
//     last n % 64 products (exact in fp32) added in double;
//   - vec_dot_batch, ggml's path for two or more activation rows: llamafile's tinyBLAS when
//     n % 32 == 0 (one 16-lane accumulator per output fed 32 elements at a time, then
//     HalvingSum16), else vec_dot for every pair.
// The scalar kernels (bf16_scalar.cc) are the reference for these sums.
#ifndef EDGELLM_QUANT_FORMATS_BF16_BF16_H_
#define EDGELLM_QUANT_FORMATS_BF16_BF16_H_

#include <cstdint>

namespace edgellm::quant::bf16 {

// One value per block: GGUF stores these types unblocked.
inline constexpr int kBlockSize = 1;

// n bf16 -> n floats (exact; ggml_bf16_to_fp32_row).
void ToFloat(const void* x, float* y, int64_t n);
// n floats -> n bf16 (ggml_fp32_to_bf16_row_ref, also the activation quantizer).
void FromFloat(const float* x, void* y, int64_t n);

}  // namespace edgellm::quant::bf16

#endif  // EDGELLM_QUANT_FORMATS_BF16_BF16_H_
