// The iq4_xs quant-format plugin: ggml's IQ4_XS, dotted against q8_K activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/iq4_xs/iq4_xs.h"

namespace edgellm::quant::iq4xs {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_IQ4_XS, "iq4_xs", kQK_K, sizeof(BlockIQ4XS),
    EDGE_GGML_TYPE_Q8_K, ToFloat, FromFloatRef};

}  // namespace edgellm::quant::iq4xs

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::iq4xs)
