// The q6_K quant-format plugin: ggml's Q6_K, dotted against q8_K activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q6_K/q6_K.h"

namespace edgellm::quant::q6k {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q6_K, "q6_K", kQK_K, sizeof(BlockQ6K),
    EDGE_GGML_TYPE_Q8_K, ToFloat, FromFloatRef};

}  // namespace edgellm::quant::q6k

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q6k)
