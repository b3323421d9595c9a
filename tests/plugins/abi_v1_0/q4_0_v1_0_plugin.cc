// Test data: the q4_0 format as a plugin built last release would ship it, compiled against the
// frozen copy of the v1.0 header (abi_v1_0/edgellm_plugin.h, never edited). It reuses the
// in-tree q4_0 kernels, so the host must give the same bits as with the in-tree plugin, and
// it places its descriptors right before inaccessible pages (guarded.h), so the host must not
// read a field v1.0 did not have.
#include "tests/plugins/abi_v1_0/edgellm_plugin.h"
#include "tests/plugins/abi_v1_0/guarded.h"

// The in-tree kernels (quant_formats/q4_0/q4_0.h, which includes the current header and so is
// not included here).
namespace edgellm::quant::q4_0 {
void ToFloat(const void* x, float* y, int64_t n);
void FromFloatRef(const float* x, void* y, int64_t n);
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);
}  // namespace edgellm::quant::q4_0

namespace {
namespace q = edgellm::quant::q4_0;

constexpr uint32_t kTypeQ4_0 = 2, kTypeQ8_0 = 8;

const EdgeQuantKernelsV1 kKernels[] = {
    {EDGE_ISA_SCALAR, 0, q::VecDotScalar, nullptr, nullptr, nullptr},
};

const EdgePluginV1* Make() {
  EdgeQuantFormatV1 format = {kTypeQ4_0, "q4_0",       32,       18, kTypeQ8_0,
                              q::ToFloat, q::FromFloatRef, kKernels, 1};
  const EdgeQuantFormatV1* f = GuardedCopy(format);
  if (f == nullptr) return nullptr;
  EdgePluginV1 plugin = {EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, "q4_0", "1.0.0", 0,
                         nullptr, f};
  return GuardedCopy(plugin);
}
}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  static const EdgePluginV1* plugin = Make();
  return plugin;
}
