// x86 helper of the q4_K / q5_K vec_dot kernels: unpacks their 12-byte field of 6-bit sub-block
// scales and mins (layout in k_quants.h, GetScaleMinK4) in registers, with no scalar round trip.
//
// Same ISA rules as x86_simd.h, which it builds on: include only from translation units compiled
// with -mavx2 -mfma -mf16c (or more); internal linkage, so copies built for different ISAs never
// merge.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_SCALE_MIN_K4_X86_H_
#define EDGELLM_QUANT_FORMATS_COMMON_SCALE_MIN_K4_X86_H_

#include "quant_formats/common/x86_simd.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#include <cstdint>

namespace edgellm::quant::x86 {
namespace {

// Reads 16 bytes at `packed`: the 12-byte field and the 4 bytes after it (the next field of the
// same block). Returns bytes 0..7 = scales of sub-blocks 0..7, bytes 8..15 = their mins.
inline __m128i ScalesMinsK4(const uint8_t* packed) {
  const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(packed));
  // With words w0 w1 w2: scales 0..3 = w0 & 0x3f.., scales 4..7 = (w2 & 0x0f..) | top 2 bits of
  // each byte of w0 moved to bits 4..5; mins the same with w1 and the high nibbles of w2.
  const __m128i low_src = _mm_shuffle_epi32(w, _MM_SHUFFLE(2, 1, 2, 0));   // w0 w2 w1 w2
  const __m128i high_src = _mm_shuffle_epi32(w, _MM_SHUFFLE(1, 1, 0, 0));  // w0 w0 w1 w1
  const __m128i low = _mm_and_si128(_mm_srlv_epi32(low_src, _mm_setr_epi32(0, 0, 0, 4)),
                                    _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
  const __m128i high = _mm_and_si128(_mm_srli_epi32(high_src, 2),
                                     _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
  return _mm_or_si128(low, high);
}

}  // namespace
}  // namespace edgellm::quant::x86

#endif  // x86-64 with AVX2/FMA/F16C
#endif  // EDGELLM_QUANT_FORMATS_COMMON_SCALE_MIN_K4_X86_H_
