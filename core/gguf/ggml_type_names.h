// Names of ggml tensor types by GGUF type id, for messages only. Sizes and layouts come from the
// quant-format plugins (TypeLayout), never from this table.
#ifndef EDGELLM_CORE_GGUF_GGML_TYPE_NAMES_H_
#define EDGELLM_CORE_GGUF_GGML_TYPE_NAMES_H_

#include <cstdint>

namespace edgellm {

// The ggml spelling of a type id as in ggml.h's enum (23 -> "IQ4_XS", 30 -> "BF16"), including
// ids that ggml has since retired (4 -> "Q4_2"). "unknown" for an id ggml never used. Never null.
const char* GgmlTypeName(uint32_t type_id);

}  // namespace edgellm

#endif  // EDGELLM_CORE_GGUF_GGML_TYPE_NAMES_H_
