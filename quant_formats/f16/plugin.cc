// The f16 quant-format plugin: descriptor table and entry point.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16 {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_F16, "f16", kBlockSize, sizeof(uint16_t),
    EDGE_GGML_TYPE_F16, ToFloat, FromFloat};

}  // namespace edgellm::quant::f16

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::f16)
