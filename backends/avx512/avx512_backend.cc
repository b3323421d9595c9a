// The `avx512` backend: AVX-512 F/BW/VL/DQ. Matmul through each format's AVX-512 kernels, which
// use VNNI (vpdpbusd) or BF16 (vdpbf16ps) where the CPU has them (the format picks at load time
// from the host's CPU features); row ops compiled for AVX-512.
#include "backends/common/backend_table.h"
#include "core/plugin/edgellm_plugin.h"

namespace {
const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_BACKEND, "avx512", "1.0.0",
    EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C | EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW |
        EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ,
    edgellm::backends::BackendTable(EDGE_ISA_AVX512), nullptr,
};
}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { return &kPlugin; }
