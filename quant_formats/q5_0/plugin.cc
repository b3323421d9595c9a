// The q5_0 quant-format plugin: ggml's Q5_0 with Q8_0 activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q5_0/q5_0.h"

namespace edgellm::quant::q5_0 {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q5_0, "q5_0", kBlockSize, sizeof(BlockQ5_0),
    EDGE_GGML_TYPE_Q8_0, ToFloat, FromFloatRef};

}  // namespace edgellm::quant::q5_0

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q5_0)
