// The EdgeBackendV1 table every backend plugin exports: the same ops over the shared
// implementations in this folder, compiled once per ISA (see BUILD.bazel), so each backend's
// matmul picks its own ISA's format kernels and its row ops are vectorized for its ISA.
#ifndef EDGELLM_BACKENDS_COMMON_BACKEND_TABLE_H_
#define EDGELLM_BACKENDS_COMMON_BACKEND_TABLE_H_

#include "core/plugin/edgellm_plugin.h"

namespace edgellm::backends {

// The ops table for a backend of the given ISA. Valid for the life of the plugin.
const EdgeBackendV1* BackendTable(EdgeIsa isa);

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_BACKEND_TABLE_H_
