// The bf16 quant-format plugin: descriptor table and entry point.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/bf16/bf16.h"

namespace edgellm::quant::bf16 {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_BF16, "bf16", kBlockSize, sizeof(uint16_t),
    EDGE_GGML_TYPE_BF16, ToFloat, FromFloat};

}  // namespace edgellm::quant::bf16

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::bf16)
