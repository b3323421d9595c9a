// The q4_1 quant-format plugin: ggml's Q4_1 with Q8_1 activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q4_1/q4_1.h"

namespace edgellm::quant::q4_1 {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q4_1, "q4_1", kBlockSize, sizeof(BlockQ4_1),
    EDGE_GGML_TYPE_Q8_1, ToFloat, FromFloatRef};

}  // namespace edgellm::quant::q4_1

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q4_1)
