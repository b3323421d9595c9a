// Portable IQ4_NL kernels: the reference quantizer, dequantization and the scalar dot product.
#include <cmath>
#include <cstddef>

#include "quant_formats/common/block32_batch.h"
#include "quant_formats/common/block32_scalar.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl {

namespace {

// The format for block32_scalar.h's loops: weights are codebook values.
struct Format {
  using Block = BlockIQ4_NL;
  using Act = BlockQ8_0;
  static constexpr bool kHasMin = false;
  static void Values(const BlockIQ4_NL& b, int* w) {
    for (int j = 0; j < kBlockSize / 2; ++j) {
      w[j] = kValuesIq4Nl[b.qs[j] & 0x0F];
      w[j + kBlockSize / 2] = kValuesIq4Nl[b.qs[j] >> 4];
    }
  }
};

float Scale(const BlockIQ4_NL& x, const BlockQ8_0& y) {
  return Fp16ToFp32(x.d) * Fp16ToFp32(y.d);
}

}  // namespace

void ToFloat(const void* x, float* y, int64_t n) { block32::DequantizeRow<Format>(x, y, n); }

void FromFloatRef(const float* x, void* vy, int64_t n) {
  auto* y = static_cast<BlockIQ4_NL*>(vy);
  uint8_t codes[kBlockSize] = {};  // kept across blocks: see the all-zero case below
  for (int64_t i = 0; i < n / kBlockSize; ++i, x += kBlockSize) {
    float amax = 0.0f;
    float max = 0.0f;
    for (int j = 0; j < kBlockSize; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    float d = 0.0f;
    // ggml skips such a block without touching its code buffer, so the previous codes repeat.
    if (amax >= 1e-15f) {
      // First guess: the value of largest magnitude on the codebook's end -127; then the
      // least-squares scale for those codes, weighting each value by its square.
      const float id = 1.0f / (max / kValuesIq4Nl[0]);
      float sumqx = 0.0f;
      float sumq2 = 0.0f;
      for (int j = 0; j < kBlockSize; ++j) {
        const int c = BestIndexInt8(16, kValuesIq4Nl, id * x[j]);
        codes[j] = static_cast<uint8_t>(c);
        const float q = kValuesIq4Nl[c];
        const float w = x[j] * x[j];
        sumqx += w * q * x[j];
        sumq2 += w * q * q;
      }
      d = sumqx / sumq2;
    }
    y[i].d = Fp32ToFp16(d);
    for (int j = 0; j < kBlockSize / 2; ++j) {
      y[i].qs[j] = static_cast<uint8_t>(codes[j] | (codes[j + kBlockSize / 2] << 4));
    }
  }
}

void VecDotScalar(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockIQ4_NL*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  const int64_t nb = n / kBlockSize;
  float even[8] = {}, odd[8] = {};  // ggml's two 8-lane accumulators (see iq4_nl.h)
  int w[kBlockSize];
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    Format::Values(x[i], w);
    AccumulateBlock32(w, y[i].qs, Scale(x[i], y[i]), even);
    Format::Values(x[i + 1], w);
    AccumulateBlock32(w, y[i + 1].qs, Scale(x[i + 1], y[i + 1]), odd);
  }
  for (int l = 0; l < 8; ++l) even[l] += odd[l];
  float sum = HalvingSum8(even);
  if (i < nb) {
    Format::Values(x[i], w);
    int sumi = 0;
    for (int j = 0; j < kBlockSize; ++j) sumi += w[j] * y[i].qs[j];
    sum = std::fma(Scale(x[i], y[i]), static_cast<float>(sumi), sum);  // ggml's C, contracted
  }
  *s = sum;
}

namespace scalar {
// Batched: tinyBLAS's one accumulator over all blocks (iq4_nl.h).
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar,
                    block32::DotEachPair<block32::DotOneAccumulator<Format>>, nullptr, ToFloat});
}  // namespace scalar

}  // namespace edgellm::quant::iq4_nl
