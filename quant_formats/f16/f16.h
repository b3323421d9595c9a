// f16: IEEE 754 binary16 values (ggml GGML_TYPE_F16, GGUF type 1).
//
// A "block" is one half float stored as its uint16_t bit pattern (ggml_fp16_t): block_size 1,
// 2 bytes, little-endian. Rows hold any n >= 1 values. Activations are converted to f16 too
// (vec_dot_type f16). fp32 -> fp16 rounds to nearest even, as F16C's vcvtps2ph does.
//
// The dot product accumulates in fp16, as ggml's x86 CPU backend does when built for a CPU with
// AVX512-FP16 (ggml 0.20.1: GGML_F16_STEP 128, native fp16 FMA); found by reproducing
// ../shared/golden/quants/f16.dot.f32 and the golden model logits bit for bit:
//   - over the first np = n - n % 128 elements, element i goes to accumulator i % 128:
//     acc = fp16(x[i] * y[i] + acc), rounded once (HalfFma);
//   - the 128 accumulators are summed by a halving tree, acc[j] = fp16(acc[j] + acc[j + h]) for
//     h = 64, 32, ..., 1;
//   - the last n % 128 products are added to that in double.
// Relative error is about 1e-3 (fp16 sums), and a partial sum above 65504 becomes inf.
//
// The batched dot product (vec_dot_batch) is what ggml uses for two or more activation rows:
// llamafile's tinyBLAS when n % 16 == 0 (weights and activations widened to fp32, one 16-lane
// fp32 FMA accumulator per output, element i in lane i % 16, summed as HalvingSum16 of
// quant_formats/common/lane_sums.h), else the vec_dot above for every pair. Every ISA gives the
// same bits. The scalar kernels (f16_scalar.cc) are the reference for these sums.
#ifndef EDGELLM_QUANT_FORMATS_F16_F16_H_
#define EDGELLM_QUANT_FORMATS_F16_F16_H_

#include <cstddef>
#include <cstdint>

namespace edgellm::quant::f16 {

// One value per block: GGUF stores these types unblocked.
inline constexpr int kBlockSize = 1;

// n halves -> n floats (exact; ggml_fp16_to_fp32_row).
void ToFloat(const void* x, float* y, int64_t n);
// n floats -> n halves, round to nearest even (ggml_fp32_to_fp16_row, also the activation
// quantizer).
void FromFloat(const float* x, void* y, int64_t n);

// Accumulators of the dot product (see above).
inline constexpr int kDotLanes = 128;

// The compiler's binary16 type: GCC 12 has _Float16 in C++ on x86-64 but not on aarch64, where
// __fp16 converts the same way (one rounding from float or double, fcvt).
#if defined(__aarch64__)
using NativeHalf = __fp16;
#else
using NativeHalf = _Float16;
#endif

// fp16(a * b + c) with one rounding, for a, b, c holding fp16 values: a * b is exact in float,
// a * b + c exact in double (or, when not, far past the point where the fp16 result is inf or
// equal to the larger term), so the only rounding is the final one to fp16.
static inline float HalfFma(float a, float b, float c) {
  return static_cast<float>(static_cast<NativeHalf>(static_cast<double>(a * b) + c));
}

// The lanes of h whose bit is set in `ties` redone with HalfFma from a, b and c: the rare lanes
// where the SIMD kernels' fp32 FMA and rounding to fp16 may differ from it. V is a GCC vector of
// floats (__m256, __m512). Static, so that the copies of each ISA stay apart.
template <typename V>
static inline V RedoTies(unsigned ties, V a, V b, V c, V h) {
  for (size_t l = 0; l < sizeof(V) / sizeof(float); ++l) {
    if ((ties >> l) & 1) h[l] = HalfFma(a[l], b[l], c[l]);
  }
  return h;
}

}  // namespace edgellm::quant::f16

#endif  // EDGELLM_QUANT_FORMATS_F16_F16_H_
