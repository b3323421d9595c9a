// AArch64 NEON helpers shared by the quant-format kernels (<format>_neon.cc).
//
// Each <format>_neon.cc is compiled for plain ARMv8-A and, where it pays, once more with an
// extension (common/format_plugin.bzl): the dot product (-march=armv8.2-a+dotprod, defines
// __ARM_FEATURE_DOTPROD) or fp16 arithmetic (-march=armv8.2-a+fp16). EDGELLM_NEON_NS names the
// namespace of the build at hand, `neon`, `neon_dotprod` or `neon_fp16`, so the copies of each
// kernel get distinct symbols; DotI8 picks sdot or its ARMv8-A equivalent.
//
// Every helper has internal linkage (anonymous namespace): copies built with and without an
// extension must never be merged by the linker, or an sdot copy could be called on a CPU without
// it.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_NEON_SIMD_H_
#define EDGELLM_QUANT_FORMATS_COMMON_NEON_SIMD_H_

#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#if defined(__ARM_FEATURE_DOTPROD)
#define EDGELLM_NEON_NS neon_dotprod
#elif defined(__ARM_FEATURE_FP16_VECTOR_ARITHMETIC)
#define EDGELLM_NEON_NS neon_fp16
#else
#define EDGELLM_NEON_NS neon
#endif

namespace edgellm::quant::neon_simd {
namespace {

// acc + the products a[i] * b[i] summed in groups of 4 adjacent bytes: lane l gets products
// 4l..4l+3 (sdot; without the extension the same lane sums from widening multiplies and two
// pairwise adds). Exact for all int8 inputs, so both builds give the same lanes, which the
// kernels that reproduce ggml's lane-wise float sums rely on.
inline int32x4_t DotI8(int32x4_t acc, int8x16_t a, int8x16_t b) {
#if defined(__ARM_FEATURE_DOTPROD)
  return vdotq_s32(acc, a, b);
#else
  // |a * b| <= 2^14 fits int16; pairs, then pairs of pairs, are summed in int32.
  const int32x4_t lo = vpaddlq_s16(vmull_s8(vget_low_s8(a), vget_low_s8(b)));
  const int32x4_t hi = vpaddlq_s16(vmull_high_s8(a, b));
  return vaddq_s32(acc, vpaddq_s32(lo, hi));
#endif
}

// DotI8 over 32 bytes: a0 . b0 + a1 . b1.
inline int32x4_t DotI8x32(int32x4_t acc, int8x16_t a0, int8x16_t a1, int8x16_t b0, int8x16_t b1) {
  return DotI8(DotI8(acc, a0, b0), a1, b1);
}

// AccumulateBlock32 of common/lane_sums.h: ggml's 8-lane accumulator of the 32-value block
// formats, lanes 0..3 in *lo and 4..7 in *hi, += d * (sums of 4 products), one fused multiply-add
// per lane. w0 / w1 hold the block's weight values 0..15 / 16..31, a its 32 activation quants.
inline void AccumulateBlock32(int8x16_t w0, int8x16_t w1, const int8_t* a, float d,
                              float32x4_t* lo, float32x4_t* hi) {
  const int32x4_t zero = vdupq_n_s32(0);
  *lo = vfmaq_n_f32(*lo, vcvtq_f32_s32(DotI8(zero, w0, vld1q_s8(a))), d);
  *hi = vfmaq_n_f32(*hi, vcvtq_f32_s32(DotI8(zero, w1, vld1q_s8(a + 16))), d);
}

// LaneSums256 of common/lane_sums.h for one 32-value chunk of a super-block: lanes 0..3 (*lo) +=
// s0 * (sums of 4 products) over values 0..15 (w0), lanes 4..7 (*hi) += s1 * ... over 16..31.
inline void AccumulateChunk32(int8x16_t w0, int8x16_t w1, const int8_t* a, int32_t s0,
                              int32_t s1, int32x4_t* lo, int32x4_t* hi) {
  const int32x4_t zero = vdupq_n_s32(0);
  *lo = vmlaq_n_s32(*lo, DotI8(zero, w0, vld1q_s8(a)), s0);
  *hi = vmlaq_n_s32(*hi, DotI8(zero, w1, vld1q_s8(a + 16)), s1);
}

// The 8-lane fp32 accumulator of ggml's super-block kernels: acc += d * lanes, one fused
// multiply-add per lane (lanes 0..3 in lo, 4..7 in hi).
inline void FmaLanes8(int32x4_t lo, int32x4_t hi, float d, float32x4_t* acc_lo,
                      float32x4_t* acc_hi) {
  *acc_lo = vfmaq_n_f32(*acc_lo, vcvtq_f32_s32(lo), d);
  *acc_hi = vfmaq_n_f32(*acc_hi, vcvtq_f32_s32(hi), d);
}

// HalvingSum8 of common/lane_sums.h over lanes 0..3 in lo and 4..7 in hi.
inline float HalvingSum8(float32x4_t lo, float32x4_t hi) {
  const float32x4_t t = vaddq_f32(lo, hi);
  return vpadds_f32(vadd_f32(vget_low_f32(t), vget_high_f32(t)));
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

// y[j] = q[j] * d + m for j < 16 (two roundings, no fused multiply-add: ggml's q4_1 / q5_1
// dequantizers; the kernels are built with -ffp-contract=off).
inline void StoreScaledPlus(uint8x16_t q, float d, float m, float* y) {
  const uint16x8_t lo = vmovl_u8(vget_low_u8(q));
  const uint16x8_t hi = vmovl_high_u8(q);
  const float32x4_t mv = vdupq_n_f32(m);
  vst1q_f32(y, vaddq_f32(vmulq_n_f32(vcvtq_f32_u32(vmovl_u16(vget_low_u16(lo))), d), mv));
  vst1q_f32(y + 4, vaddq_f32(vmulq_n_f32(vcvtq_f32_u32(vmovl_high_u16(lo)), d), mv));
  vst1q_f32(y + 8, vaddq_f32(vmulq_n_f32(vcvtq_f32_u32(vmovl_u16(vget_low_u16(hi))), d), mv));
  vst1q_f32(y + 12, vaddq_f32(vmulq_n_f32(vcvtq_f32_u32(vmovl_high_u16(hi)), d), mv));
}

}  // namespace
}  // namespace edgellm::quant::neon_simd

#endif  // __aarch64__
#endif  // EDGELLM_QUANT_FORMATS_COMMON_NEON_SIMD_H_
