// The `avx2` backend: AVX2 + FMA + F16C (x86-64 since Haswell). Matmul through each format's
// AVX2 kernels (scalar fallback), row ops compiled for AVX2.
#include "backends/common/backend_table.h"
#include "core/plugin/edgellm_plugin.h"

namespace {
const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_BACKEND, "avx2", "1.0.0",
    EDGE_CPU_AVX | EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C,
    edgellm::backends::BackendTable(EDGE_ISA_AVX2), nullptr,
};
}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { return &kPlugin; }
