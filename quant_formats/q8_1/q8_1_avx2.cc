// AVX2 activation quantizer of q8_1 (build with -mavx2 -mfma -mf16c). fp16 conversions use F16C
// (_cvtss_sh), never fp16.h, whose external-linkage inline functions must not get ISA flags.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/common/x86_simd.h"  // immintrin.h without GCC 12's false warnings
#include "quant_formats/q8_1/q8_1.h"

namespace edgellm::quant::q8_1 {
namespace {

void QuantizeRowActAvx2(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_1*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    int sum;
    const float d = x86::QuantizeQ8BlockAvx2<true>(x + b * kQK8_0, out[b].qs, &sum);
    out[b].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
    out[b].s = _cvtss_sh(static_cast<float>(sum) * d, _MM_FROUND_TO_NEAREST_INT);
  }
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, nullptr, nullptr, QuantizeRowActAvx2});
}  // namespace avx2

}  // namespace edgellm::quant::q8_1

#endif  // __x86_64__
