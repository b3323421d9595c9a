// The iq4_nl quant-format plugin: ggml's IQ4_NL with Q8_0 activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_IQ4_NL, "iq4_nl", kBlockSize, sizeof(BlockIQ4_NL),
    EDGE_GGML_TYPE_Q8_0, ToFloat, FromFloatRef};

}  // namespace edgellm::quant::iq4_nl

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::iq4_nl)
