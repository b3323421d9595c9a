// Test data: complete-looking plugins with one flaw each that the host must find when it loads
// them, not at first use; EDGE_TEST_FLAW picks it:
//   1: a format whose only vec_dot is an AVX2 one (no scalar entry to fall back to),
//   2: a format entry with vec_dot_batch but no vec_dot,
//   3: a format declaring kernel caps with a stride shorter than a caps entry,
//   4: a 1.1 backend without last_error.
#include <cstring>

#include "core/plugin/edgellm_plugin.h"

namespace {

void ToFloat(const void* x, float* y, int64_t n) { std::memcpy(y, x, n * sizeof(float)); }
void FromFloat(const float* x, void* y, int64_t n) { std::memcpy(y, x, n * sizeof(float)); }
void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const float*>(x);
  const auto* b = static_cast<const float*>(y);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  *s = sum;
}
void VecDotBatch(int64_t, int64_t, int64_t, float*, size_t, const void*, size_t, const void*,
                 size_t) {}

#if EDGE_TEST_FLAW <= 3
#if EDGE_TEST_FLAW == 1
const EdgeQuantKernelsV1 kKernels[] = {
    {EDGE_ISA_AVX2, EDGE_CPU_AVX2, VecDot, nullptr, nullptr, nullptr},
    {EDGE_ISA_SCALAR, 0, nullptr, nullptr, nullptr, nullptr},
};
const EdgeQuantKernelCapsV1* const kCaps = nullptr;
constexpr size_t kCapsStride = 0;
#elif EDGE_TEST_FLAW == 2
const EdgeQuantKernelsV1 kKernels[] = {
    {EDGE_ISA_AVX2, EDGE_CPU_AVX2, nullptr, VecDotBatch, nullptr, nullptr},
    {EDGE_ISA_SCALAR, 0, VecDot, nullptr, nullptr, nullptr},
};
const EdgeQuantKernelCapsV1* const kCaps = nullptr;
constexpr size_t kCapsStride = 0;
#else
const EdgeQuantKernelsV1 kKernels[] = {
    {EDGE_ISA_SCALAR, 0, VecDot, nullptr, nullptr, nullptr},
};
const EdgeQuantKernelCapsV1 kCapsTable[] = {{0}};
const EdgeQuantKernelCapsV1* const kCaps = kCapsTable;
constexpr size_t kCapsStride = 2;
#endif
const EdgeQuantFormatV1 kFormat = {
    200, "flawed", 1, sizeof(float), 200, ToFloat, FromFloat, kKernels,
    sizeof kKernels / sizeof kKernels[0], kCaps, kCapsStride,
};
const EdgePluginV1 kPlugin = {EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, "flawed",
                              "0.0.1", 0, nullptr, &kFormat, nullptr};
#else
void* Create(const EdgeBackendOptionsV1*, char*, size_t) { return nullptr; }
void Destroy(void*) {}
int32_t NThreads(void*) { return 1; }
int MatMul(void*, const EdgeMatrixV1*, const float*, int64_t, float*) { return 1; }
void RmsNorm(void*, const float*, const float*, float, int64_t, int64_t, float*) {}
void Rope(void*, float*, int64_t, int64_t, int64_t, const int32_t*, const EdgeRopeParamsV1*) {}
int Attention(void*, const EdgeAttentionV1*, const float*, float*) { return 1; }
void SiluMul(void*, float*, const float*, int64_t) {}
void Add(void*, float*, const float*, int64_t, int64_t, int) {}
const EdgeBackendV1 kBackend = {
    EDGE_ISA_SCALAR, Create, Destroy, NThreads, MatMul, RmsNorm, Rope, Attention, SiluMul, Add,
    50,              nullptr, nullptr /* last_error: the flaw */, nullptr,
};
const EdgePluginV1 kPlugin = {EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_BACKEND, "flawed", "0.0.1",
                              0, &kBackend, nullptr, nullptr};
#endif

}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { return &kPlugin; }
