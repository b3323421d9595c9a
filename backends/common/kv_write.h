// The KV-cache write of every backend (EdgeBackendV1::kv_write): new K or V rows stored in the
// cache's format with the ISA's activation quantizer, which is ggml's CPU from_float for the
// type (what ggml_set_rows / ggml_cpy run when llama.cpp fills its cache), on the backend's
// threads.
#ifndef EDGELLM_BACKENDS_COMMON_KV_WRITE_H_
#define EDGELLM_BACKENDS_COMMON_KV_WRITE_H_

#include <cstddef>
#include <cstdint>

#include "backends/common/backend_context.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm::backends {

// Row r of x ([n_rows][n] floats) into dst + r * dst_row_bytes. Returns 0, or 1 (reason in
// ctx.last_error) when n is not a positive multiple of the format's block size.
int KvWrite(BackendContext& ctx, const EdgeQuantFormatV1& format, const float* x, int64_t n_rows,
            int64_t n, void* dst, size_t dst_row_bytes);

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_KV_WRITE_H_
