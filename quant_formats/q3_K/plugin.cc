// The q3_K quant-format plugin: ggml's Q3_K, dotted against q8_K activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q3_K/q3_K.h"

namespace edgellm::quant::q3k {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q3_K, "q3_K", kQK_K, sizeof(BlockQ3K),
    EDGE_GGML_TYPE_Q8_K, ToFloat, FromFloatRef};

}  // namespace edgellm::quant::q3k

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q3k)
