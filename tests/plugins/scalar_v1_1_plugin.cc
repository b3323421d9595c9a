// Test data: a scalar backend as a plugin built for ABI 1.1 ships it: its table ends after
// kv_write, right before an inaccessible page (abi_v1_0/guarded.h), so a host that reads the 1.2
// field matmul_vec_dot crashes the test. Its ops are the in-tree scalar backend's, attention
// reading only the fields 1.1 had (abi_v1_0/scalar_ops.cc).
#include <cstddef>
#include <cstring>

#include "core/plugin/edgellm_plugin.h"
#include "tests/plugins/abi_v1_0/guarded.h"

namespace edgellm::tests {
const void* InTreeScalarOps();
}  // namespace edgellm::tests

namespace {

// The 1.1 table: every field before the first 1.2 one.
struct alignas(EdgeBackendV1) BackendV1_1 {
  unsigned char bytes[offsetof(EdgeBackendV1, matmul_vec_dot)];
};

const EdgePluginV1* Make() {
  BackendV1_1 ops;
  std::memcpy(&ops, edgellm::tests::InTreeScalarOps(), sizeof ops);
  const BackendV1_1* b = GuardedCopy(ops);
  if (b == nullptr) return nullptr;
  const EdgePluginV1 plugin = {(1u << 16) | EDGELLM_PLUGIN_ABI_MAJOR,
                               EDGE_PLUGIN_BACKEND,
                               "scalar_v1_1",
                               "1.1.0",
                               0,
                               reinterpret_cast<const EdgeBackendV1*>(b),
                               nullptr,
                               nullptr};
  return GuardedCopy(plugin);
}

}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  static const EdgePluginV1* plugin = Make();
  return plugin;
}
