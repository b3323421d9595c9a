// The non-linear 4-bit code book of ggml's iq4_nl / iq4_xs (ggml-common.h kvalues_iq4nl) and the
// nearest-level search of their quantizers (ggml-quants.c best_index_int8).
#ifndef EDGELLM_QUANT_FORMATS_COMMON_IQ4_VALUES_H_
#define EDGELLM_QUANT_FORMATS_COMMON_IQ4_VALUES_H_

#include <cstdint>

namespace edgellm::quant {

// Weight = block scale * kValuesIq4Nl[code]; sorted, so codes 0..7 are exactly the negative ones.
alignas(16) inline constexpr int8_t kValuesIq4Nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                                        1,    13,   25,  38,  53,  69,  89,  113};

// Index of the level of the sorted `val` (n a power of 2) nearest to x; at a midpoint the upper
// one. Compares 2x with sums of neighbours, both exact in float, as ggml does. static: see
// k_quants.h.
static inline int BestIndexInt8(int n, const int8_t* val, float x) {
  const float x2 = x + x;
  int idx = 0;
  for (int step = n >> 1; step > 0; step >>= 1) {
    const int j = idx + step;
    if (x2 >= static_cast<float>(val[j - 1] + val[j])) idx = j;
  }
  return idx;
}

}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_COMMON_IQ4_VALUES_H_
