// Plugin entry of the q4_K quant format; activations are q8_K.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q4_K, "q4_K", kQK_K, sizeof(BlockQ4_K),
    EDGE_GGML_TYPE_Q8_K, DequantizeRow, QuantizeRowRef};

}  // namespace edgellm::quant::q4_K

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q4_K)
