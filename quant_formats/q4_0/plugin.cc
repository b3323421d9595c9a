// The q4_0 quant-format plugin: ggml's Q4_0 with Q8_0 activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0 {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q4_0, "q4_0", kBlockSize, sizeof(BlockQ4_0),
    EDGE_GGML_TYPE_Q8_0, ToFloat, FromFloatRef};

}  // namespace edgellm::quant::q4_0

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q4_0)
