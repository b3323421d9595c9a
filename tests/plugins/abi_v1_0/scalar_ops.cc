// The in-tree scalar backend's ops table for scalar_v1_0_plugin.cc, which cannot include the
// current header beside the frozen one.
#include "backends/common/backend_table.h"

namespace edgellm::tests {
const void* InTreeScalarOps() { return backends::BackendTable(EDGE_ISA_SCALAR); }
}  // namespace edgellm::tests
