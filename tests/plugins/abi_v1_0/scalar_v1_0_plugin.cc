// Test data: a scalar backend as a plugin built against the frozen v1.0 header would ship it:
// no score, no isa_name, no last_error, no kv_write. Its ops are the in-tree scalar backend's
// (whose table begins with the v1.0 layout), copied into a v1.0-sized table that ends right
// before an inaccessible page (guarded.h): the host must fill in what v1.0 lacks itself.
#include "tests/plugins/abi_v1_0/edgellm_plugin.h"
#include "tests/plugins/abi_v1_0/guarded.h"

namespace edgellm::tests {
// scalar_ops.cc: the in-tree scalar backend's ops table, as raw bytes.
const void* InTreeScalarOps();
}  // namespace edgellm::tests

namespace {
const EdgePluginV1* Make() {
  EdgeBackendV1 ops;
  std::memcpy(&ops, edgellm::tests::InTreeScalarOps(), sizeof ops);  // the v1.0 prefix
  const EdgeBackendV1* b = GuardedCopy(ops);
  if (b == nullptr) return nullptr;
  EdgePluginV1 plugin = {EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_BACKEND, "scalar_v1_0", "1.0.0",
                         0, b, nullptr};
  return GuardedCopy(plugin);
}
}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  static const EdgePluginV1* plugin = Make();
  return plugin;
}
