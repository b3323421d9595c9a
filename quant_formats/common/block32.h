// The 32-weight block formats with linear codes (q4_0, q4_1, q5_0, q5_1; ggml-common.h), as one
// template over the block layout. What a layout implies (Layout<Block>): 5-bit codes where it has
// qh, an offset m (and Q8_1 activations) where it has m, else codes centred on 8 or 16 (and Q8_0
// activations). Their portable kernels are Kernels<Block>, declared here for any translation unit
// and defined in block32_scalar.h, which only <format>_scalar.cc includes: it instantiates them
// explicitly, so no copy is ever compiled with ISA flags. The SIMD kernels of these formats (and
// of q8_0 and iq4_nl, whose weights are bytes and codebook values) are in block32_x86.h and
// block32_neon.h.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_H_
#define EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_H_

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::block32 {

template <class B, class = void>
struct HasMin : std::false_type {};
template <class B>
struct HasMin<B, std::void_t<decltype(B::m)>> : std::true_type {};

template <class B, class = void>
struct HasQh : std::false_type {};
template <class B>
struct HasQh<B, std::void_t<decltype(B::qh)>> : std::true_type {};

template <class Block>
struct Layout {
  static constexpr bool kHasMin = HasMin<Block>::value;  // weight = d * code + m
  static constexpr int kBits = HasQh<Block>::value ? 5 : 4;
  // Else weight = d * (code - kOffset): the code of weight 0.
  static constexpr int kOffset = kHasMin ? 0 : 1 << (kBits - 1);
  using Act = std::conditional_t<kHasMin, BlockQ8_1, BlockQ8_0>;
};

namespace {

// The qh field of a 5-bit block: bit j is bit 4 of weight j's code (little-endian, as GGUF).
template <class Block>
inline uint32_t HighBits(const Block& b) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, sizeof qh);
  return qh;
}

}  // namespace

// The portable kernels of a linear format (n weights, a multiple of 32; see its header).
template <class Block>
struct Kernels {
  // Bit-exact with ggml's dequantize_row_<type>.
  static void ToFloat(const void* x, float* y, int64_t n);
  // Bit-exact with ggml's quantize_row_<type>_ref (what GGUF producers write).
  static void FromFloatRef(const float* x, void* y, int64_t n);
  // *s = dot(x: the format's row, y: its activation row), integer sums per block scaled by
  // d_x * d_y, summed as ggml's x86 build does, for one activation row (its AVX2 code, which its
  // AVX-512 builds run too) and for several (tinyBLAS) alike: AccumulateBlock32 into one 8-lane
  // accumulator per block, then HalvingSum8 (lane_sums.h); with m, plus the m_x * s_y of every
  // block summed in order in a float. Every kernel gives these bits.
  static void VecDot(int64_t n, float* s, const void* x, const void* y);
};

}  // namespace edgellm::quant::block32

#endif  // EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_H_
