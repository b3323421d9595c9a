// The in-tree scalar backend's ops table for scalar_v1_0_plugin.cc (and scalar_v1_1_plugin.cc),
// which cannot include the current header beside the frozen one. Its attention reads only the
// fields of EdgeAttentionV1 that ABI 1.0 and 1.1 had, as an older backend would: a host that
// passed it a paged cache (1.2) would get wrong numbers, not the right ones by luck.
#include <cstddef>
#include <cstring>

#include "backends/common/backend_table.h"

namespace edgellm::tests {
namespace {

const EdgeBackendV1& InTree() { return *backends::BackendTable(EDGE_ISA_SCALAR); }

int AttentionBefore1_2(void* ctx, const EdgeAttentionV1* a, const float* q, float* out) {
  EdgeAttentionV1 old;
  std::memset(&old, 0, sizeof old);
  std::memcpy(&old, a, offsetof(EdgeAttentionV1, block_size));
  return InTree().attention(ctx, &old, q, out);
}

}  // namespace

const void* InTreeScalarOps() {
  static const EdgeBackendV1 ops = [] {
    EdgeBackendV1 t = InTree();
    t.attention = AttentionBefore1_2;
    t.matmul_vec_dot = nullptr;
    return t;
  }();
  return &ops;
}

}  // namespace edgellm::tests
