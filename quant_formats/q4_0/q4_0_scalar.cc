// Portable Q4_0 kernels: those of every linear 32-weight format (common/block32_scalar.h), as
// functions of their own, which the frozen-ABI test plugin (tests/plugins/abi_v1_0) links by name.
#include "quant_formats/common/block32_scalar.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0 {

void ToFloat(const void* x, float* y, int64_t n) { Kernels::ToFloat(x, y, n); }

void FromFloatRef(const float* x, void* y, int64_t n) { Kernels::FromFloatRef(x, y, n); }

void VecDotScalar(int64_t n, float* s, const void* x, const void* y) {
  Kernels::VecDot(n, s, x, y);
}

namespace scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, nullptr, ToFloat});
}  // namespace scalar

}  // namespace edgellm::quant::q4_0
