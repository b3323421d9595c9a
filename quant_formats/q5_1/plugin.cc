// The q5_1 quant-format plugin: ggml's Q5_1 with Q8_1 activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q5_1/q5_1.h"

namespace edgellm::quant::q5_1 {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q5_1, "q5_1", kBlockSize, sizeof(BlockQ5_1),
    EDGE_GGML_TYPE_Q8_1, ToFloat, FromFloatRef};

}  // namespace edgellm::quant::q5_1

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q5_1)
