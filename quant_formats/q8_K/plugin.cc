// Plugin entry of the q8_K quant format: the activation format of the k-quants.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q8_K/q8_K.h"

namespace edgellm::quant::q8_K {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q8_K, "q8_K", kQK_K, sizeof(BlockQ8_K),
    EDGE_GGML_TYPE_Q8_K, DequantizeRow, QuantizeRowRef};

}  // namespace edgellm::quant::q8_K

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q8_K)
