// The f32 quant-format plugin: descriptor table and entry point. f32 needs no conversion, so the
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/f32/f32.h"

namespace edgellm::quant::f32 {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_F32, "f32", kBlockSize, sizeof(float),
    EDGE_GGML_TYPE_F32, ToFloat, FromFloat};

}  // namespace edgellm::quant::f32

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::f32)
