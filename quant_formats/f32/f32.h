// f32: plain IEEE 754 binary32 values (ggml GGML_TYPE_F32, GGUF type 0).
//
// A "block" is one float: block_size 1, 4 bytes, little-endian. Rows hold any n >= 1 values.
// The activations of an f32 matrix stay f32 (vec_dot_type f32); the dot product is
// ggml_vec_dot_f32's. Used for norm weights and other small tensors.
#ifndef EDGELLM_QUANT_FORMATS_F32_F32_H_
#define EDGELLM_QUANT_FORMATS_F32_F32_H_

#include <cstdint>

namespace edgellm::quant::f32 {

static_assert(sizeof(float) == 4, "f32 block is 4 bytes");

// Copies n floats: f32 is stored as is (to_float and from_float_ref).
void ToFloat(const void* x, float* y, int64_t n);
void FromFloat(const float* x, void* y, int64_t n);

// *s = sum of x[i] * y[i] over n floats, accumulated in double (ggml's scalar
// ggml_vec_dot_f32).
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

#if defined(__x86_64__)
// The same dot product with fp32 FMA accumulators; equal to VecDotScalar up to summation order.
void VecDotAvx2(int64_t n, float* s, const void* x, const void* y);
void VecDotAvx512(int64_t n, float* s, const void* x, const void* y);
#endif
#if defined(__aarch64__)
// NEON (f32_neon.cc): the same dot product with fp32 FMA accumulators.
namespace neon {
void VecDot(int64_t n, float* s, const void* x, const void* y);
}  // namespace neon
#endif

}  // namespace edgellm::quant::f32

#endif  // EDGELLM_QUANT_FORMATS_F32_F32_H_
