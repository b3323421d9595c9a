#include "backends/common/kv_write.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "backends/common/kernel_selection.h"

namespace edgellm::backends {

int KvWrite(BackendContext& ctx, const EdgeQuantFormatV1& format, const float* x, int64_t n_rows,
            int64_t n, void* dst, size_t dst_row_bytes) {
  if (n <= 0 || n % format.block_size != 0) {
    return ctx.Fail(absl::StrFormat("KV row of %d values does not fit %s blocks of %d", n,
                                    format.name, format.block_size));
  }
  const EdgeFromFloatFn quantize = ctx.kernels.Get(&format).from_float;
  auto* rows = static_cast<uint8_t*>(dst);
  // Rows of a few thousand values: split only when there are enough of them (prefill).
  constexpr int64_t kMinChunkValues = int64_t{1} << 15;
  ctx.pool.ParallelFor(n_rows, std::max<int64_t>(1, kMinChunkValues / n),
                       [&](int64_t begin, int64_t end, int) {
                         for (int64_t r = begin; r < end; ++r) {
                           quantize(x + r * n, rows + r * dst_row_bytes, n);
                         }
                       });
  return 0;
}

}  // namespace edgellm::backends
