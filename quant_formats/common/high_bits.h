// Portable helper of the 5-bit block formats (q5_0, q5_1; ggml-common.h block_q5_0 / block_q5_1):
// spreads the 32-bit qh field, whose bit j is bit 4 of weight j's code, into one byte per weight,
// so the per-weight loops of the scalar kernels need no variable shifts and vectorize.
// Scalar code only: SIMD kernels expand qh in registers (and must not share this inline function
// across ISA flags).
#ifndef EDGELLM_QUANT_FORMATS_COMMON_HIGH_BITS_H_
#define EDGELLM_QUANT_FORMATS_COMMON_HIGH_BITS_H_

#include <array>
#include <cstdint>
#include <cstring>

namespace edgellm::quant {

// kBitBytes[b]: byte k is 0x10 when bit k of b is set, else 0 (little-endian uint64).
inline constexpr std::array<uint64_t, 256> kBitBytes = [] {
  std::array<uint64_t, 256> t{};
  for (int b = 0; b < 256; ++b) {
    for (int k = 0; k < 8; ++k) {
      if ((b >> k) & 1) t[b] |= uint64_t{0x10} << (8 * k);
    }
  }
  return t;
}();

// out[j] = 0x10 if bit j of qh is set, else 0, for j < 32.
static inline void SpreadHighBits(uint32_t qh, uint8_t out[32]) {
  for (int k = 0; k < 4; ++k) {
    const uint64_t bytes = kBitBytes[(qh >> (8 * k)) & 0xFFu];
    std::memcpy(out + 8 * k, &bytes, sizeof bytes);  // little-endian host, as GGUF
  }
}

}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_COMMON_HIGH_BITS_H_
