// The `scalar` backend: portable C++, no ISA requirement. The reference every other backend is
// compared with; its matmul uses each format's scalar vec_dot.
#include "backends/common/backend_table.h"
#include "core/plugin/edgellm_plugin.h"

namespace {
const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_BACKEND, "scalar", "1.0.0", 0,
    edgellm::backends::BackendTable(EDGE_ISA_SCALAR), nullptr,
};
}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { return &kPlugin; }
