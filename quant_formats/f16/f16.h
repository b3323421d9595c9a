// f16: IEEE 754 binary16 values (ggml GGML_TYPE_F16, GGUF type 1).
//
// A "block" is one half float stored as its uint16_t bit pattern (ggml_fp16_t): block_size 1,
// 2 bytes, little-endian. Rows hold any n >= 1 values. Activations are converted to f16 too
// (vec_dot_type f16) and the dot product multiplies and sums in fp32 (ggml_vec_dot_f16).
// fp32 -> fp16 rounds to nearest even, as F16C's vcvtps2ph (ggml's x86 path) does.
#ifndef EDGELLM_QUANT_FORMATS_F16_F16_H_
#define EDGELLM_QUANT_FORMATS_F16_F16_H_

#include <cstdint>

namespace edgellm::quant::f16 {

static_assert(sizeof(uint16_t) == 2, "f16 block is 2 bytes");

// n halves -> n floats (exact; ggml_fp16_to_fp32_row).
void ToFloat(const void* x, float* y, int64_t n);
// n floats -> n halves, round to nearest even (ggml_fp32_to_fp16_row, also the activation
// quantizer).
void FromFloat(const float* x, void* y, int64_t n);

// *s = sum of x[i] * y[i] over n halves: fp32 products accumulated in double (ggml's scalar
// ggml_vec_dot_f16).
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

#if defined(__x86_64__)
// Same floats / halves as ToFloat / FromFloat; the dot products use fp32 FMA accumulators and
// agree with VecDotScalar up to summation order.
void ToFloatAvx2(const void* x, float* y, int64_t n);
void FromFloatAvx2(const float* x, void* y, int64_t n);
void VecDotAvx2(int64_t n, float* s, const void* x, const void* y);

void ToFloatAvx512(const void* x, float* y, int64_t n);
void FromFloatAvx512(const float* x, void* y, int64_t n);
void VecDotAvx512(int64_t n, float* s, const void* x, const void* y);
#endif

}  // namespace edgellm::quant::f16

#endif  // EDGELLM_QUANT_FORMATS_F16_F16_H_
