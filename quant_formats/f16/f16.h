// f16: IEEE 754 binary16 values (ggml GGML_TYPE_F16, GGUF type 1).
//
// A "block" is one half float stored as its uint16_t bit pattern (ggml_fp16_t): block_size 1,
// 2 bytes, little-endian. Rows hold any n >= 1 values. Activations are converted to f16 too
// (vec_dot_type f16). fp32 -> fp16 rounds to nearest even, as F16C's vcvtps2ph does.
//
// The dot product accumulates in fp16, as ggml's x86 CPU backend does (ggml 0.20.1; inferred from
// ../shared/golden/quants/f16.dot.f32, which it reproduces bit for bit, not from ggml's source):
//   - over the first np = n - n % 128 elements, element i goes to accumulator i % 128:
//     acc = fp16(fp32 fma(x[i], y[i], acc));
//   - the 128 accumulators are summed by a halving tree, acc[j] = fp16(acc[j] + acc[j + h]) for
//     h = 64, 32, ..., 1;
//   - the last n % 128 products are added to that in double.
// Relative error is about 1e-3 (fp16 sums), and a partial sum above 65504 becomes inf.
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

// Accumulators of the dot product (see above).
inline constexpr int kDotLanes = 128;

// *s = dot(x, y) over n halves, computed as described above.
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

#if defined(__x86_64__)
// Same floats / halves as ToFloat / FromFloat, and the same dot product bit for bit.
void ToFloatAvx2(const void* x, float* y, int64_t n);
void FromFloatAvx2(const float* x, void* y, int64_t n);
void VecDotAvx2(int64_t n, float* s, const void* x, const void* y);

void ToFloatAvx512(const void* x, float* y, int64_t n);
void FromFloatAvx512(const float* x, void* y, int64_t n);
void VecDotAvx512(int64_t n, float* s, const void* x, const void* y);
#endif
#if defined(__aarch64__)
// NEON (f16_neon.cc, plain ARMv8-A): same floats / halves as ToFloat / FromFloat, and the same
// dot product bit for bit (fp16 accumulators through fp32 FMA, not ARMv8.2 fp16 arithmetic,
// whose single rounding could differ).
namespace neon {
void ToFloat(const void* x, float* y, int64_t n);
void FromFloat(const float* x, void* y, int64_t n);
void VecDot(int64_t n, float* s, const void* x, const void* y);
}  // namespace neon
#endif

}  // namespace edgellm::quant::f16

#endif  // EDGELLM_QUANT_FORMATS_F16_F16_H_
