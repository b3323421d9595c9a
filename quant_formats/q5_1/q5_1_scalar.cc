// Portable Q5_1 kernels: those of every linear 32-weight format (common/block32_scalar.h).
#include "quant_formats/common/block32_scalar.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q5_1/q5_1.h"

template struct edgellm::quant::block32::Kernels<edgellm::quant::BlockQ5_1>;

namespace edgellm::quant::q5_1::scalar {
EDGELLM_KERNEL_SET({EDGE_ISA_SCALAR, 0, Kernels::VecDot, nullptr, nullptr, Kernels::ToFloat});
}  // namespace edgellm::quant::q5_1::scalar
