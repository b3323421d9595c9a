// Test data: a plugin built against a future ABI version. The host must refuse it.
#include "core/plugin/edgellm_plugin.h"

namespace {
const EdgePluginV1 kPlugin = {EDGELLM_PLUGIN_ABI_VERSION + 41, EDGE_PLUGIN_BACKEND,
                              "future", "9.9.9", 0, nullptr, nullptr};
}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { return &kPlugin; }
