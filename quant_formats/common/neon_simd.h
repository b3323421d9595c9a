// AArch64 NEON helpers shared by the quant-format kernels (<format>_neon.cc).
//
// Each <format>_neon.cc is compiled twice (common/isa.bzl neon_kernels): for plain ARMv8-A and
// with the dot-product extension (-march=armv8.2-a+dotprod, which defines __ARM_FEATURE_DOTPROD).
// EDGELLM_NEON_NS names the namespace of the build at hand, `neon` or `neon_dotprod`, so the two
// copies of each kernel get distinct symbols; DotI8 picks sdot or its ARMv8-A equivalent.
//
// Every helper has internal linkage (anonymous namespace): copies built with and without the
// dot-product extension must never be merged by the linker, or an sdot copy could be called on a
// CPU without it.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_NEON_SIMD_H_
#define EDGELLM_QUANT_FORMATS_COMMON_NEON_SIMD_H_

#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#if defined(__ARM_FEATURE_DOTPROD)
#define EDGELLM_NEON_NS neon_dotprod
#else
#define EDGELLM_NEON_NS neon
#endif

namespace edgellm::quant::neon_simd {
namespace {

// acc + the products a[i] * b[i], summed in groups of 4 adjacent bytes into the 4 int32 lanes
// (sdot). Without the extension the lanes hold other partial sums with the same total, which is
// all the kernels use. Exact for all int8 inputs.
inline int32x4_t DotI8(int32x4_t acc, int8x16_t a, int8x16_t b) {
#if defined(__ARM_FEATURE_DOTPROD)
  return vdotq_s32(acc, a, b);
#else
  // |a * b| <= 2^14 fits int16; pairs are widened into int32 by the pairwise accumulate.
  acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
  return vpadalq_s16(acc, vmull_high_s8(a, b));
#endif
}

// DotI8 over 32 bytes: a0 . b0 + a1 . b1.
inline int32x4_t DotI8x32(int32x4_t acc, int8x16_t a0, int8x16_t a1, int8x16_t b0, int8x16_t b1) {
  return DotI8(DotI8(acc, a0, b0), a1, b1);
}

// fp16 bit pattern -> fp32 (exact; fcvt), the same value as Fp16ToFp32 in fp16.h.
inline float HalfToFloat(uint16_t h) {
  __fp16 f;
  std::memcpy(&f, &h, sizeof f);
  return static_cast<float>(f);
}

// fp32 -> fp16 bit pattern, round to nearest even (fcvt under the default FPCR), the same bits as
// Fp32ToFp16 in fp16.h and F16C's vcvtps2ph.
inline uint16_t FloatToHalf(float f) {
  const __fp16 h = static_cast<__fp16>(f);
  uint16_t u;
  std::memcpy(&u, &h, sizeof u);
  return u;
}

// 16 packed bytes of 4-bit codes -> the low nibbles (codes of weights 0..15 of ggml's 32-weight
// blocks) and the high nibbles (weights 16..31).
inline void UnpackNibbles(const uint8_t* qs, uint8x16_t* lo, uint8x16_t* hi) {
  const uint8x16_t v = vld1q_u8(qs);
  *lo = vandq_u8(v, vdupq_n_u8(0x0F));
  *hi = vshrq_n_u8(v, 4);
}

// 32 bits (bit j for weight j, little-endian) -> byte j = 0x10 if bit j is set, else 0: the fifth
// bit of the codes of q5_0 / q5_1, weights 0..15 in *lo and 16..31 in *hi.
inline void HighBitsX10(uint32_t bits, uint8x16_t* lo, uint8x16_t* hi) {
  const uint8x16_t b = vreinterpretq_u8_u32(vdupq_n_u32(bits));
  // Byte j of each half gets byte j / 8 of its 16 bits; the mask keeps bit j % 8.
  const uint8x16_t sel_lo = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
  const uint8x16_t sel_hi = {2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3};
  const uint8x16_t mask = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  const uint8x16_t x10 = vdupq_n_u8(0x10);
  *lo = vandq_u8(vtstq_u8(vqtbl1q_u8(b, sel_lo), mask), x10);
  *hi = vandq_u8(vtstq_u8(vqtbl1q_u8(b, sel_hi), mask), x10);
}

// y[j] = q[j] * d for j < 16 (exact int -> float, one rounding: ggml's dequantizers).
inline void StoreScaled(int8x16_t q, float d, float* y) {
  const int16x8_t lo = vmovl_s8(vget_low_s8(q));
  const int16x8_t hi = vmovl_high_s8(q);
  vst1q_f32(y, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))), d));
  vst1q_f32(y + 4, vmulq_n_f32(vcvtq_f32_s32(vmovl_high_s16(lo)), d));
  vst1q_f32(y + 8, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))), d));
  vst1q_f32(y + 12, vmulq_n_f32(vcvtq_f32_s32(vmovl_high_s16(hi)), d));
}

// The 4 lane sums of a, b, c, d as one vector: [sum a, sum b, sum c, sum d].
inline int32x4_t Sum4(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
  return vpaddq_s32(vpaddq_s32(a, b), vpaddq_s32(c, d));
}

}  // namespace
}  // namespace edgellm::quant::neon_simd

#endif  // __aarch64__
#endif  // EDGELLM_QUANT_FORMATS_COMMON_NEON_SIMD_H_
