// Plugin entry of the q5_K quant format; activations are q8_K.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q5_K/q5_K.h"

namespace edgellm::quant::q5_K {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q5_K, "q5_K", kQK_K, sizeof(BlockQ5_K),
    EDGE_GGML_TYPE_Q8_K, DequantizeRow, QuantizeRowRef};

}  // namespace edgellm::quant::q5_K

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q5_K)
