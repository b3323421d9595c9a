// A TypeLayoutLookup for tests, before quant-format plugins are loaded: the ggml layouts of the
// types the shared models use (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K ... Q8_K).
#ifndef EDGELLM_TESTS_GGUF_TEST_TYPE_LAYOUTS_H_
#define EDGELLM_TESTS_GGUF_TEST_TYPE_LAYOUTS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/tensor.h"

namespace edgellm {

// NotFound for any other id.
absl::StatusOr<TypeLayout> TestTypeLayout(uint32_t type_id);

}  // namespace edgellm

#endif  // EDGELLM_TESTS_GGUF_TEST_TYPE_LAYOUTS_H_
