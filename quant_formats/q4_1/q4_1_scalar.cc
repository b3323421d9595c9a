// Portable Q4_1 kernels: those of every linear 32-weight format (common/block32_scalar.h).
#include "quant_formats/common/block32_scalar.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q4_1/q4_1.h"

template struct edgellm::quant::block32::Kernels<edgellm::quant::BlockQ4_1>;

namespace edgellm::quant::q4_1::scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, Kernels::VecDot, nullptr, nullptr, Kernels::ToFloat});
}  // namespace edgellm::quant::q4_1::scalar
