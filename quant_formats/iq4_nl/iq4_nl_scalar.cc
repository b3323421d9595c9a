// Portable IQ4_NL kernels: the reference quantizer, dequantization and the scalar dot product.
#include <cmath>

#include "quant_formats/common/fp16.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl {

void ToFloat(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockIQ4_NL*>(vx);
  for (int64_t i = 0; i < n / kBlockSize; ++i, y += kBlockSize) {
    const float d = Fp16ToFp32(x[i].d);
    for (int j = 0; j < kBlockSize / 2; ++j) {
      y[j] = d * static_cast<float>(kValuesIq4Nl[x[i].qs[j] & 0x0F]);
      y[j + kBlockSize / 2] = d * static_cast<float>(kValuesIq4Nl[x[i].qs[j] >> 4]);
    }
  }
}

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
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    int sumi = 0;
    for (int j = 0; j < kBlockSize / 2; ++j) {
      sumi += kValuesIq4Nl[x[i].qs[j] & 0x0F] * y[i].qs[j];
      sumi += kValuesIq4Nl[x[i].qs[j] >> 4] * y[i].qs[j + kBlockSize / 2];
    }
    sum += Fp16ToFp32(x[i].d) * Fp16ToFp32(y[i].d) * static_cast<float>(sumi);
  }
  *s = sum;
}

}  // namespace edgellm::quant::iq4_nl
