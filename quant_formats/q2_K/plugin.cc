// The q2_K quant-format plugin: ggml's Q2_K, dotted against q8_K activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q2_K/q2_K.h"

namespace edgellm::quant::q2k {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q2_K, "q2_K", kQK_K, sizeof(BlockQ2K),
    EDGE_GGML_TYPE_Q8_K, ToFloat, FromFloatRef};

}  // namespace edgellm::quant::q2k

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q2k)
