// bf16: bfloat16 values (ggml GGML_TYPE_BF16, GGUF type 30).
//
// A "block" is one bfloat16 stored as its uint16_t bit pattern (ggml_bf16_t, the top half of an
// fp32): block_size 1, 2 bytes, little-endian. Rows hold any n >= 1 values. Activations are
// converted to bf16 too (vec_dot_type bf16); the dot product sums in fp32 (ggml_vec_dot_bf16).
// fp32 -> bf16 rounds to nearest even and quietens NaN (ggml_compute_fp32_to_bf16).
#ifndef EDGELLM_QUANT_FORMATS_BF16_BF16_H_
#define EDGELLM_QUANT_FORMATS_BF16_BF16_H_

#include <cstdint>

namespace edgellm::quant::bf16 {

static_assert(sizeof(uint16_t) == 2, "bf16 block is 2 bytes");

// n bf16 -> n floats (exact; ggml_bf16_to_fp32_row).
void ToFloat(const void* x, float* y, int64_t n);
// n floats -> n bf16 (ggml_fp32_to_bf16_row_ref, also the activation quantizer).
void FromFloat(const float* x, void* y, int64_t n);

// *s = sum of x[i] * y[i] over n bf16: fp32 products (exact) accumulated in double (ggml's
// scalar ggml_vec_dot_bf16).
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

#if defined(__x86_64__)
// Same floats / bf16 as ToFloat / FromFloat (NaN and subnormals included). The dot products widen
// to fp32 and FMA into fp32 accumulators; they agree with VecDotScalar up to summation order.
void ToFloatAvx2(const void* x, float* y, int64_t n);
void FromFloatAvx2(const float* x, void* y, int64_t n);
void VecDotAvx2(int64_t n, float* s, const void* x, const void* y);

void ToFloatAvx512(const void* x, float* y, int64_t n);
void FromFloatAvx512(const float* x, void* y, int64_t n);
void VecDotAvx512(int64_t n, float* s, const void* x, const void* y);
// With AVX512_BF16's vdpbf16ps (pairs of bf16 products added into fp32 lanes, as ggml does when
// built with __AVX512BF16__). The instruction treats subnormal inputs as zero.
void VecDotAvx512Bf16(int64_t n, float* s, const void* x, const void* y);
#endif

}  // namespace edgellm::quant::bf16

#endif  // EDGELLM_QUANT_FORMATS_BF16_BF16_H_
