// The q8_0 quant-format plugin: descriptor table and entry point.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0 {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q8_0, "q8_0", kQK8_0, sizeof(BlockQ8_0),
    EDGE_GGML_TYPE_Q8_0, DequantizeRow, QuantizeRowRef};

}  // namespace edgellm::quant::q8_0

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q8_0)
