// The q8_1 quant-format plugin: descriptor table and entry point. q8_1 has no dot product of its
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q8_1/q8_1.h"

namespace edgellm::quant::q8_1 {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q8_1, "q8_1", kQK8_0, sizeof(BlockQ8_1),
    EDGE_GGML_TYPE_Q8_1, DequantizeRow, QuantizeRowRef};

}  // namespace edgellm::quant::q8_1

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q8_1)
