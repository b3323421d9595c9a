// q8_0: 8-bit quants with one fp16 scale per 32 values (ggml GGML_TYPE_Q8_0, GGUF type 8).
//
// Layout (ggml-common.h block_q8_0, here BlockQ8_0 in common/q8_blocks.h), 34 bytes per block of
// 32 values: fp16 scale d, then 32 int8 quants q. Value = d * q. Rows hold n values, n a multiple
// of 32. q8_0 is its own vec_dot_type, and the activation format of q4_0, q5_0 and iq4_nl.
#ifndef EDGELLM_QUANT_FORMATS_Q8_0_Q8_0_H_
#define EDGELLM_QUANT_FORMATS_Q8_0_Q8_0_H_

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::q8_0 {

static_assert(sizeof(BlockQ8_0) == 34, "q8_0 block is 34 bytes");

// n floats -> n / 32 blocks, bit-exact with ggml's quantize_row_q8_0_ref: d = amax / 127,
// q = roundf(x / d) (ties away from zero).
void QuantizeRowRef(const float* x, void* y, int64_t n);

// n floats -> n / 32 blocks, bit-exact with ggml's x86 CPU activation quantizer
// (quantize_row_q8_0 built with AVX2): d = amax / 127, q = round_half_even(x * (127 / amax)).
// Can differ from QuantizeRowRef in a quant at an exact .5 tie or an ulp-sized boundary case.
void QuantizeRowAct(const float* x, void* y, int64_t n);

// n / 32 blocks -> n floats: d * q (ggml's dequantize_row_q8_0).
void DequantizeRow(const void* x, float* y, int64_t n);

// *s = sum over blocks b of sum_j(qx[j] * qy[j]) * (dx * dy): x and y are n / 32 blocks each
// (ggml_vec_dot_q8_0_q8_0), summed as ggml's x86 build does (its AVX2 code, which its AVX-512
// builds run too, and llamafile's tinyBLAS for 2+ activation rows): one 8-lane fp32 accumulator,
// lane l += (dx * dy) * (integer sum of products 4l..4l+3 of the block), one FMA per block, then
// HalvingSum8 (quant_formats/common/lane_sums.h). Every ISA gives these bits.
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

#if defined(__x86_64__)
// Same bytes / floats as QuantizeRowAct and DequantizeRow, and the dot products of VecDotScalar
// bit for bit.
void QuantizeRowActAvx2(const float* x, void* y, int64_t n);
void DequantizeRowAvx2(const void* x, float* y, int64_t n);
void VecDotAvx2(int64_t n, float* s, const void* x, const void* y);

void QuantizeRowActAvx512(const float* x, void* y, int64_t n);
void DequantizeRowAvx512(const void* x, float* y, int64_t n);
void VecDotAvx512(int64_t n, float* s, const void* x, const void* y);
void VecDotAvx512Vnni(int64_t n, float* s, const void* x, const void* y);  // vpdpbusd

// Batched dot products (EdgeVecDotBatchFn, the prefill GEMM), with the features of the matching
// VecDot*: for i < nx, j < ny, s[j * s_stride + i] = VecDot*(n, row i of x, row j of y) bit for
// bit; rows are x_stride / y_stride bytes apart, any nx, ny >= 1. Each block of a row is used for
// up to 8 tokens (AVX2: 4), each block of a token for up to 4 rows (AVX2: 3). The Vnni kernel
// computes exact integer sums (weights offset by +128), so it needs the activation quants (y) in
// [-127, 127], which is what both quantizers above write: opposite a negative weight, a -128 makes
// vec_dot's vpsignb wrap. The others follow vec_dot for any bytes.
void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                     size_t x_stride, const void* y, size_t y_stride);
void VecDotBatchAvx512(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                       size_t x_stride, const void* y, size_t y_stride);
void VecDotBatchAvx512Vnni(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                           const void* x, size_t x_stride, const void* y, size_t y_stride);
#endif

#if defined(__aarch64__)
// NEON kernels (q8_0_neon.cc): same bytes / floats as QuantizeRowAct and DequantizeRow, and the
// dot products of VecDotScalar bit for bit. Plain ARMv8-A in `neon`, with the dot-product
// extension (sdot) in `neon_dotprod`.
namespace neon {
void QuantizeRowAct(const float* x, void* y, int64_t n);
void DequantizeRow(const void* x, float* y, int64_t n);
void VecDot(int64_t n, float* s, const void* x, const void* y);
}  // namespace neon
namespace neon_dotprod {
void VecDot(int64_t n, float* s, const void* x, const void* y);
}  // namespace neon_dotprod
#endif

}  // namespace edgellm::quant::q8_0

#endif  // EDGELLM_QUANT_FORMATS_Q8_0_Q8_0_H_
