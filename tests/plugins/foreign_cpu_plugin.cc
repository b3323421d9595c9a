// Test data: a backend that needs CPU features this machine does not have (NEON on x86-64,
// AVX2 on aarch64). The host must refuse it before calling anything in it.
#include "core/plugin/edgellm_plugin.h"

namespace {
#if defined(__aarch64__)
constexpr uint64_t kForeign = EDGE_CPU_AVX2;
#else
constexpr uint64_t kForeign = EDGE_CPU_NEON | EDGE_CPU_DOTPROD;
#endif
// Never called: the host refuses the plugin on its CPU features first.
const EdgeBackendV1 kBackend = {};
const EdgePluginV1 kPlugin = {EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_BACKEND, "foreign",
                              "1.0.0", kForeign, &kBackend, nullptr};
}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { return &kPlugin; }
