// The `neon` backend: AArch64 Advanced SIMD (every ARMv8-A CPU). Matmul through each format's
// NEON kernels (with the sdot ones where the CPU has the dot-product extension, scalar fallback),
// row ops compiled for aarch64.
#include "backends/common/backend_table.h"
#include "core/plugin/edgellm_plugin.h"

namespace {
const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_BACKEND, "neon", "1.0.0", EDGE_CPU_NEON,
    edgellm::backends::BackendTable(EDGE_ISA_NEON), nullptr,
};
}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { return &kPlugin; }
